export {
  basaltMessages,
  type Catalog,
  createLanguages,
  defineMessages,
  type LanguageOptions,
  Languages,
  type LocaleSource,
  type Messages,
  type MessageValues,
  negotiateLocale,
  Translator,
} from '../i18n/index.js';
export { CsrfField } from './components.js';
export { defaultErrorPage, type ErrorPageProps, type ErrorPageRenderer } from './error-page.js';
export { type FlashMessage, flash } from './flash.js';
export { CSRF_FIELD, type FormState } from './form.js';
export {
  BLOCKED_URL,
  type Child,
  type Component,
  escapeHtml,
  Fragment,
  Html,
  isHtml,
  jsonScript,
  trustedHtml,
} from './html.js';
export {
  type FormField,
  FormFields,
  type FormFieldsProps,
  type ModelForm,
  type ModelFormOptions,
  modelForm,
  type Widget,
  withModelErrors,
} from './model-form.js';
export { type ViewsOptions, views } from './module.js';
export {
  type PageContext,
  type PageMethod,
  type PageOptions,
  type PageResult,
  page,
  Redirect,
  redirect,
  type ViewContext,
} from './page.js';
export type { StaticOptions } from './static.js';
