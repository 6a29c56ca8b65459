export { loadCorpus, loadLabelDirectory, loadTsvFile, type LoadOptions } from './node/load_corpus.js';
export { readNameLines, type ReadNameLinesOptions } from './node/read_name_lines.js';
export type { NameLine } from './name_line.js';
export {
  fetchTutorialData,
  TUTORIAL_DATA_URL,
  type FetchTutorialDataOptions,
  type TutorialData,
} from './node/fetch_tutorial_data.js';
