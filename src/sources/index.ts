export { type FileReader, nodeFiles } from './files.js';
export { type CpuReader, type CpuReaderDeps, createCpuReader, resolvePid } from './proc-cpu.js';
export { type CgroupFigure, type CgroupFigures, type CgroupMembership, readCgroupFigures, parseCgroupMembership, parseKeyedValue, parsePsiSomeTotalUs } from './cgroup.js';
export { type ThreadCounters, USER_HZ, parseSchedstat, parseStat } from './threads.js';
export { createPoolCpuSource } from './pool-cpu.js';
export type { PoolCpuSource } from './pool-cpu.js';
export { type Listener, type ListenQueueReader, parseListener, readListenQueue } from './listen-queue.js';
