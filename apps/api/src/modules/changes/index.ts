// What other modules use of the change log: they write to it.
export { ChangeLog } from './change-log';
