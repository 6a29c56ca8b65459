export { writeRunReport } from './write_run_report.js';
export type { EpochRecord, ReportSection, RunReportFiles, RunReportInput } from './types.js';
