// Quantities the HPA writes into status.currentMetrics (averageValue): cpu in millicores as
// upstream ("250m"), memory in bytes with the largest binary suffix that keeps it whole.
import { memoryQuantity } from '../api/metrics.js';

export const cpuQuantityOfMilli = (milli: number): string => `${Math.round(milli)}m`;
export const memoryQuantityOfBytes = (bytes: number): string => memoryQuantity(Math.round(bytes));
