import { defineMessages } from '../catalog.js';

/**
 * Everything Basalt itself renders, in English and Spanish: error pages, form errors and
 * widgets. An app rewords or translates a key by giving it in its own messages. Error titles
 * (`basalt.error.title.<status>`) have no English entry: an English page shows the problem's
 * own title (`Validation failed`, `Authentication required`).
 */
export const basaltMessages = defineMessages({
  en: {
    'basalt.error.message.400': 'The request could not be understood. Check what you entered and try again.',
    'basalt.error.message.401': 'Sign in to see this page.',
    'basalt.error.message.403': 'You do not have permission to do this.',
    'basalt.error.message.404': 'The page you asked for does not exist or has moved.',
    'basalt.error.message.405': 'This page cannot be used that way.',
    'basalt.error.message.409': 'Someone else changed this in the meantime. Reload the page and try again.',
    'basalt.error.message.412': 'Someone else changed this in the meantime. Reload the page and try again.',
    'basalt.error.message.413': 'What you sent is too large.',
    'basalt.error.message.415': 'What you sent is of a kind this page does not take.',
    'basalt.error.message.429': 'Too many requests: wait a moment and try again.',
    'basalt.error.message.500': 'Something went wrong on our side. Try again later.',
    'basalt.error.message.503': 'The site is busy. Try again in a moment.',
    'basalt.error.message.other': 'The request failed.',
    'basalt.error.message.BASALT_AUTH_CSRF_FAILED':
      'The form was refused: it was not sent from this site, or its security token is missing or out of date. Go back, reload the page and send it again.',
    'basalt.error.details': 'Details',
    'basalt.error.requestId': 'Request id: {id}',
    'basalt.form.required': 'This field is required.',
    'basalt.form.minLength':
      '{limit, plural, one {Enter at least # character.} other {Enter at least # characters.}}',
    'basalt.form.maxLength':
      '{limit, plural, one {Enter at most # character.} other {Enter at most # characters.}}',
    'basalt.form.minimum': 'Enter a value of at least {limit, number}.',
    'basalt.form.maximum': 'Enter a value of at most {limit, number}.',
    'basalt.form.integer': 'Enter a whole number.',
    'basalt.form.number': 'Enter a number.',
    'basalt.form.email': 'Enter a valid email address.',
    'basalt.form.format': 'Enter a valid {format}.',
    'basalt.form.choice': 'Select a valid choice.',
    'basalt.form.choices': '{count, plural, one {Select at most # item.} other {Select at most # items.}}',
    'basalt.form.invalid': 'Enter a valid value.',
    'basalt.form.empty': '---------',
    'basalt.form.file.current': 'Currently: {name}',
    'basalt.form.file.clear': 'Remove the file',
    'basalt.form.file.tooLarge': 'The file is larger than {limit}.',
    'basalt.form.file.type': 'This kind of file is not accepted ({type}).',
    'basalt.form.file.empty': 'The file is empty.',
  },
  es: {
    'basalt.error.title.400': 'Solicitud incorrecta',
    'basalt.error.title.401': 'Sin autenticar',
    'basalt.error.title.403': 'Prohibido',
    'basalt.error.title.404': 'No encontrado',
    'basalt.error.title.405': 'Método no permitido',
    'basalt.error.title.409': 'Conflicto',
    'basalt.error.title.412': 'Condición previa no cumplida',
    'basalt.error.title.413': 'Contenido demasiado grande',
    'basalt.error.title.415': 'Tipo de contenido no admitido',
    'basalt.error.title.429': 'Demasiadas solicitudes',
    'basalt.error.title.500': 'Error interno del servidor',
    'basalt.error.title.503': 'Servicio no disponible',
    'basalt.error.message.400':
      'No se pudo entender la solicitud. Revisa lo que has escrito y vuelve a intentarlo.',
    'basalt.error.message.401': 'Inicia sesión para ver esta página.',
    'basalt.error.message.403': 'No tienes permiso para hacer esto.',
    'basalt.error.message.404': 'La página que buscas no existe o se ha movido.',
    'basalt.error.message.405': 'Esta página no se puede usar de esa manera.',
    'basalt.error.message.409':
      'Otra persona ha cambiado esto mientras tanto. Recarga la página y vuelve a intentarlo.',
    'basalt.error.message.412':
      'Otra persona ha cambiado esto mientras tanto. Recarga la página y vuelve a intentarlo.',
    'basalt.error.message.413': 'Lo que has enviado es demasiado grande.',
    'basalt.error.message.415': 'Lo que has enviado es de un tipo que esta página no admite.',
    'basalt.error.message.429': 'Demasiadas solicitudes: espera un momento y vuelve a intentarlo.',
    'basalt.error.message.500': 'Algo ha fallado por nuestra parte. Vuelve a intentarlo más tarde.',
    'basalt.error.message.503': 'El sitio está ocupado. Vuelve a intentarlo en un momento.',
    'basalt.error.message.other': 'La solicitud ha fallado.',
    'basalt.error.message.BASALT_AUTH_CSRF_FAILED':
      'Se ha rechazado el formulario: no se envió desde este sitio o su código de seguridad falta o ha caducado. Vuelve atrás, recarga la página y envíalo de nuevo.',
    'basalt.error.details': 'Detalles',
    'basalt.error.requestId': 'Identificador de la solicitud: {id}',
    'basalt.form.required': 'Este campo es obligatorio.',
    'basalt.form.minLength':
      '{limit, plural, one {Escribe al menos # carácter.} other {Escribe al menos # caracteres.}}',
    'basalt.form.maxLength':
      '{limit, plural, one {Escribe como máximo # carácter.} other {Escribe como máximo # caracteres.}}',
    'basalt.form.minimum': 'Escribe un valor de al menos {limit, number}.',
    'basalt.form.maximum': 'Escribe un valor de como máximo {limit, number}.',
    'basalt.form.integer': 'Escribe un número entero.',
    'basalt.form.number': 'Escribe un número.',
    'basalt.form.email': 'Escribe una dirección de correo electrónico válida.',
    'basalt.form.format': 'Escribe un valor válido ({format}).',
    'basalt.form.choice': 'Elige una opción válida.',
    'basalt.form.choices':
      '{count, plural, one {Elige como máximo # elemento.} other {Elige como máximo # elementos.}}',
    'basalt.form.invalid': 'Escribe un valor válido.',
    'basalt.form.empty': '---------',
    'basalt.form.file.current': 'Actual: {name}',
    'basalt.form.file.clear': 'Quitar el archivo',
    'basalt.form.file.tooLarge': 'El archivo ocupa más de {limit}.',
    'basalt.form.file.type': 'No se admite este tipo de archivo ({type}).',
    'basalt.form.file.empty': 'El archivo está vacío.',
  },
});
