export { writeRunReport } from './write_run_report.js';
export type {
  EpochRecord,
  NgramReport,
  ReportSection,
  RunReportFiles,
  RunReportInput,
  ScoreSummary,
} from './types.js';
