export * from './daily-partitions';
export * from './partition-maintenance';
