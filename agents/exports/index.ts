// export.* on a unit: the agent methods and the choice of target backend behind them.
export {
  backingFileOf,
  createExports,
  toExportInfo,
  type ExportHandlerOptions,
  type ExportHandlers,
  type UnitExports,
} from './handlers.js';
export {
  backingPolicy,
  createExportBackend,
  detectTargetBackend,
  systemProbes,
  targetPackages,
  type BackendProbes,
  type Detection,
  type FactoryOptions,
} from './factory.js';
