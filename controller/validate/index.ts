// Validation's public face: run it, read its findings.
export { runValidation, postSwitchValidation, type ValidationOptions, type CheckGroup } from './run-validation.js';
export type { Finding, FindingStatus, PageRow, ValidationReport, ValidationSummary } from './types.js';
export type { TextScanner, TextScanResult } from './asset-scan.js';
export { CHROMIUM_PATH, NOT_INSTALLED } from './vitals.js';
export { answeredNormally, recordStagingBaseline, recordedPages, storedStagingBaseline, type PageBaseline, type RecordedBy, type StagingBaseline } from './staging-baseline.js';
