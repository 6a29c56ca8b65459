import { InvalidCorpusError } from '@charrnn/core';
import {
  formatReport,
  mergeCorpora,
  parseLabelFiles,
  parseLabelZip,
  parseTsv,
  type NamedFile,
  type ParsedCorpus,
} from '@charrnn/data';

/** Folders tried, in order, inside a dropped zip: the tutorial's layout first. */
const ZIP_FOLDERS = ['data/names/', 'names/', ''];

function parseZip(bytes: Uint8Array, source: string): ParsedCorpus {
  let lastError: unknown;
  for (const directory of ZIP_FOLDERS) {
    try {
      return parseLabelZip(bytes, { directory, source });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error
    ? lastError
    : new InvalidCorpusError('no <Label>.txt entries', { file: source });
}

/**
 * Reads dropped or picked files into one corpus: `<Label>.txt` files (one name per line),
 * `name<TAB>label` TSV files (`.tsv`, `.csv` with tabs) and zip archives of `<Label>.txt` files.
 * Other files are listed in `report.skippedFiles`.
 */
export async function parseDroppedFiles(files: readonly File[]): Promise<ParsedCorpus> {
  const parts: ParsedCorpus[] = [];
  const labelFiles: NamedFile[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const lower = file.name.toLowerCase();
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (lower.endsWith('.zip')) parts.push(parseZip(bytes, file.name));
    else if (lower.endsWith('.tsv') || lower.endsWith('.csv')) parts.push(parseTsv(bytes, file.name));
    else if (lower.endsWith('.txt')) labelFiles.push({ name: file.name, data: bytes });
    else skipped.push(file.name);
  }
  if (labelFiles.length > 0) parts.push(parseLabelFiles(labelFiles));
  if (parts.length === 0)
    throw new InvalidCorpusError(
      `none of the files is a <Label>.txt, .tsv or .zip file (${skipped.join(', ')})`,
    );
  const merged = parts.length === 1 ? (parts[0] as ParsedCorpus) : mergeCorpora(parts);
  merged.report.skippedFiles.push(...skipped);
  return merged;
}

/** A short text summary of what was read (for the page; shown as text). */
export function summarize(parsed: ParsedCorpus): string {
  return formatReport(parsed.report, { examples: 2 });
}
