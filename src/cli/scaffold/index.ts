export {
  CHOICE_NAMES,
  choiceValues,
  defaultChoices,
  isChoiceValue,
  SCAFFOLD_CHOICES,
  type ScaffoldChoiceName,
  type ScaffoldChoices,
} from './choices.js';
export {
  assertEmptyTarget,
  type GeneratedProject,
  type GenerateProjectOptions,
  generateProject,
  packageNameFrom,
} from './generate.js';
export { askChoices, type PromptStreams } from './prompt.js';
