export * from './checker-selection';
export * from './spot-check-policy';
export * from './spot-check.module';
export * from './spot-check.repository';
export * from './spot-check.service';
