export * from './user-registered';
export * from './user-role-changed';
