import {
  CLEANER_OFFSET_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
} from './checkpoint-file.js';
import {
  type Clock,
  type FileLock,
  type FileSystem,
  joinPath,
  systemClock,
  type VolumeSpace,
  writeFileAtomically,
} from './file-system.js';
import { PartitionLog } from './partition-log.js';
import { CorruptStorageFileError, InvalidConfigError } from './storage-errors.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';
import {
  type BrokerStorageConfig,
  DEFAULT_BROKER_STORAGE_CONFIG,
  NEVER,
  resolveLogConfig,
} from './topic-config.js';

/** Kafka's per-dir marker of a clean shutdown: its presence lets the next start skip recovery. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
/** The lock file that keeps a second broker process off a log dir (see NodeFileSystem.lock). */
export const LOCK_FILE = '.lock';

/** Suffix of a deleted partition's dir, renamed `<topic>-<partition>.<unique>-delete` (Kafka's name). */
export const DELETED_DIR_SUFFIX = '-delete';

const PARTITION_DIR = /^(.+)-(\d+)$/;

/** One log dir as DescribeLogDirs reports it. */
export interface LogDirDescription {
  readonly path: string;
  readonly logs: readonly PartitionLog[];
  /** The volume's size and free space; undefined when statfs failed (the dir is then reported offline). */
  readonly space: VolumeSpace | undefined;
}

export interface LogManagerOptions {
  readonly fs: FileSystem;
  /** `log.dirs`: each is locked, and holds `<topic>-<partition>` directories and the dir-level checkpoints. */
  readonly logDirs: readonly string[];
  readonly clock?: Clock;
  readonly logger?: StorageLogger;
  readonly brokerConfig?: Partial<BrokerStorageConfig>;
  /** Broker properties (`log.segment.bytes`, …) that supply topic config defaults. */
  readonly brokerProperties?: Readonly<Record<string, string>>;
  /** Topic-level overrides of a topic, for logs found on disk at start. */
  readonly topicOverrides?: (topic: string) => Readonly<Record<string, string>>;
  /** Run `tick` on a timer (default true); tests call tick themselves with a virtual clock. */
  readonly schedule?: boolean;
}

interface LogDir {
  readonly path: string;
  readonly lock: FileLock;
  readonly isCleanShutdown: boolean;
  readonly recoveryPoints: Map<string, bigint>;
  readonly logStartOffsets: Map<string, bigint>;
  readonly cleanerCheckpoints: Map<string, bigint>;
}

/**
 * The broker's logs: locks every log dir, opens every partition log in them (recovering after an
 * unclean shutdown), creates and deletes logs, and runs the background duties on `tick`: flush by
 * `flush.ms`, retention, compaction, removal of `.deleted` files, and the recovery-point,
 * log-start-offset and cleaner-offset checkpoints. `close` flushes everything and leaves a clean-shutdown marker in each dir.
 */
export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  private readonly dirOfLog = new Map<string, string>();
  private readonly broker: BrokerStorageConfig;
  private readonly clock: Clock;
  private readonly logger: StorageLogger;
  /** Renamed dirs of deleted logs and when they may be removed (`log.segment.delete.delay.ms`). */
  private readonly deletedDirs = new Map<string, number>();
  private deletedSequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private isTicking = false;
  private lastRun = {
    flush: 0,
    retention: 0,
    recoveryCheckpoint: 0,
    startCheckpoint: 0,
    cleaner: 0,
    producerExpiration: 0,
  };

  private constructor(
    private readonly options: LogManagerOptions,
    private readonly dirs: readonly LogDir[],
  ) {
    this.broker = { ...DEFAULT_BROKER_STORAGE_CONFIG, ...options.brokerConfig };
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    const now = this.clock.nowMs();
    this.lastRun = {
      flush: now,
      retention: now,
      recoveryCheckpoint: now,
      startCheckpoint: now,
      cleaner: now,
      producerExpiration: now,
    };
  }

  /** Locks and opens every dir; throws LogDirLockedError when another process holds one. */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new InvalidConfigError('log.dirs is empty');
    const dirs: LogDir[] = [];
    try {
      for (const path of options.logDirs) dirs.push(await LogManager.lockDir(options.fs, path));
    } catch (error: unknown) {
      for (const dir of dirs) await dir.lock.release();
      throw error;
    }
    const manager = new LogManager(options, dirs);
    try {
      for (const dir of dirs) await manager.loadDir(dir);
    } catch (error: unknown) {
      for (const log of manager.logs.values()) await log.close().catch(() => {});
      for (const dir of dirs) await dir.lock.release();
      throw error;
    }
    for (const dir of dirs) {
      // Removed only once every log of the dir is open: a crash from now on must run recovery.
      await options.fs.unlink(joinPath(dir.path, CLEAN_SHUTDOWN_FILE));
      await options.fs.fsyncDir(dir.path);
    }
    if (options.schedule !== false) {
      manager.startTimer();
      // Dirs of logs deleted before the last stop: removed in the background, not on the start-up path.
      manager.removeDeletedDirs(manager.clock.nowMs()).catch((error: unknown) => {
        manager.logger.warn({ error: String(error) }, 'removing deleted log dirs failed');
      });
    }
    return manager;
  }

  private static async lockDir(fs: FileSystem, path: string): Promise<LogDir> {
    await fs.mkdir(path);
    const lock = await fs.lock(joinPath(path, LOCK_FILE));
    try {
      const isCleanShutdown = (await fs.stat(joinPath(path, CLEAN_SHUTDOWN_FILE))) !== undefined;
      const read = async (name: string) => {
        try {
          return await readOffsetCheckpoint(fs, joinPath(path, name));
        } catch (error: unknown) {
          if (!(error instanceof CorruptStorageFileError)) throw error;
          return new Map<string, bigint>();
        }
      };
      return {
        path,
        lock,
        isCleanShutdown,
        recoveryPoints: await read(RECOVERY_POINT_CHECKPOINT),
        logStartOffsets: await read(LOG_START_OFFSET_CHECKPOINT),
        cleanerCheckpoints: await read(CLEANER_OFFSET_CHECKPOINT),
      };
    } catch (error: unknown) {
      await lock.release();
      throw error;
    }
  }

  private async loadDir(dir: LogDir): Promise<void> {
    for (const name of await this.options.fs.readdir(dir.path)) {
      if (name.endsWith(DELETED_DIR_SUFFIX)) {
        // Left by a deletion before the last stop: nothing can be reading it any more.
        this.deletedDirs.set(joinPath(dir.path, name), this.clock.nowMs());
        continue;
      }
      const match = PARTITION_DIR.exec(name);
      if (match === null || name.startsWith('.')) continue;
      const stat = await this.options.fs.stat(joinPath(dir.path, name));
      if (stat?.isDirectory !== true) continue;
      const key = `${match[1]}-${match[2]}`;
      const recoveryPoint = dir.isCleanShutdown ? undefined : (dir.recoveryPoints.get(key) ?? 0n);
      await this.openLog(dir, match[1]!, Number(match[2]), recoveryPoint, dir.logStartOffsets.get(key), {
        cleanerCheckpoint: dir.cleanerCheckpoints.get(key),
      });
    }
  }

  private async openLog(
    dir: LogDir,
    topic: string,
    partition: number,
    recoveryPoint: bigint | undefined,
    logStartOffset: bigint | undefined,
    extra: { overrides?: Readonly<Record<string, string>>; cleanerCheckpoint?: bigint | undefined } = {},
  ): Promise<PartitionLog> {
    const { overrides, cleanerCheckpoint } = extra;
    const key = `${topic}-${partition}`;
    const config = resolveLogConfig(
      overrides ?? this.options.topicOverrides?.(topic) ?? {},
      this.options.brokerProperties ?? {},
    );
    const log = await PartitionLog.open({
      fs: this.options.fs,
      dir: joinPath(dir.path, key),
      topic,
      partition,
      config,
      clock: this.clock,
      logger: this.logger,
      isCleanShutdown: dir.isCleanShutdown,
      ...(recoveryPoint === undefined ? {} : { recoveryPoint }),
      ...(logStartOffset === undefined ? {} : { logStartOffset }),
      ...(cleanerCheckpoint === undefined ? {} : { cleanerCheckpoint }),
      zeroAheadMaxBytes: this.options.fs.benefitsFromZeroAhead === true ? this.broker.zeroAheadMaxBytes : 0,
      dsyncSegments: this.broker.dsyncSegments,
    });
    this.logs.set(key, log);
    this.dirOfLog.set(key, dir.path);
    return log;
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(`${topic}-${partition}`);
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /** The existing log, or a new one in the dir holding the fewest logs. */
  async getOrCreateLog(
    topic: string,
    partition: number,
    overrides: Readonly<Record<string, string>> = {},
  ): Promise<PartitionLog> {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) throw new InvalidConfigError(`invalid topic name ${topic}`);
    const existing = this.getLog(topic, partition);
    if (existing !== undefined) return existing;
    const counts = new Map(this.dirs.map((dir) => [dir.path, 0]));
    for (const path of this.dirOfLog.values()) counts.set(path, (counts.get(path) ?? 0) + 1);
    const dir = [...this.dirs].sort((a, b) => counts.get(a.path)! - counts.get(b.path)!)[0]!;
    const freshDir = { ...dir, isCleanShutdown: true };
    const log = await this.openLog(freshDir, topic, partition, undefined, undefined, { overrides });
    await this.options.fs.fsyncDir(dir.path);
    return log;
  }

  /**
   * Closes the log and renames its directory to `<topic>-<partition>.<unique>-delete` (durably), as
   * Kafka does: from then on the name is free for a new log and a restart ignores the old one. The
   * renamed dir is removed by `tick` once the broker's `file.delete.delay.ms` default
   * (`log.segment.delete.delay.ms`) has passed, or at the next start.
   */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = `${topic}-${partition}`;
    const log = this.logs.get(key);
    const dirPath = this.dirOfLog.get(key);
    if (log === undefined || dirPath === undefined) return;
    this.logs.delete(key);
    this.dirOfLog.delete(key);
    await log.close();
    const nowMs = this.clock.nowMs();
    this.deletedSequence += 1;
    const unique = `${nowMs.toString(16)}${this.deletedSequence.toString(16).padStart(8, '0')}`;
    const doomed = joinPath(dirPath, `${key}.${unique}${DELETED_DIR_SUFFIX}`);
    await this.options.fs.rename(log.dir, doomed);
    await this.options.fs.fsyncDir(dirPath);
    const delayMs = resolveLogConfig({}, this.options.brokerProperties ?? {}).fileDeleteDelayMs;
    this.deletedDirs.set(doomed, nowMs + delayMs);
  }

  /** Renamed dirs of deleted logs not removed yet (diagnostics and tests). */
  pendingDeletedDirs(): string[] {
    return [...this.deletedDirs.keys()];
  }

  /** Every log dir with the logs it holds and its volume's space. */
  async describeDirs(): Promise<LogDirDescription[]> {
    return Promise.all(
      this.dirs.map(async (dir) => ({
        path: dir.path,
        logs: [...this.logs.entries()]
          .filter(([key]) => this.dirOfLog.get(key) === dir.path)
          .map(([, log]) => log),
        space: await this.options.fs.statfs(dir.path).catch(() => undefined),
      })),
    );
  }

  private async removeDeletedDirs(nowMs: number): Promise<void> {
    for (const [path, dueMs] of this.deletedDirs) {
      if (dueMs > nowMs) continue;
      await this.options.fs.rmdir(path);
      this.deletedDirs.delete(path);
    }
  }

  /**
   * The background duties whose interval has passed: flush by flush.ms (every
   * `log.flush.scheduler.interval.ms`), retention (`log.retention.check.interval.ms`), producer
   * expiry (`producer.id.expiration.check.interval.ms`), removal of `.deleted` files and of deleted
   * logs' dirs, and the checkpoints. Calls while one runs are skipped.
   */
  async tick(nowMs = this.clock.nowMs()): Promise<void> {
    if (this.isTicking) return;
    this.isTicking = true;
    try {
      const due = (last: number, interval: number) => interval < NEVER && nowMs - last >= interval;
      if (due(this.lastRun.flush, this.broker.flushSchedulerIntervalMs)) {
        this.lastRun.flush = nowMs;
        for (const log of this.logs.values()) await log.maybeFlush(nowMs);
      }
      if (due(this.lastRun.retention, this.broker.retentionCheckIntervalMs)) {
        this.lastRun.retention = nowMs;
        for (const log of this.logs.values()) await log.applyRetention(nowMs);
      }
      if (due(this.lastRun.cleaner, this.broker.cleanerBackoffMs)) {
        this.lastRun.cleaner = nowMs;
        let cleanedAny = false;
        for (const log of this.logs.values()) {
          cleanedAny = (await log.compact(nowMs, this.broker.cleanerMaxKeys)) !== undefined || cleanedAny;
        }
        if (cleanedAny) await this.checkpointCleanerOffsets();
      }
      if (due(this.lastRun.producerExpiration, this.broker.producerIdExpirationCheckIntervalMs)) {
        this.lastRun.producerExpiration = nowMs;
        for (const log of this.logs.values()) {
          log.removeExpiredProducers(nowMs, this.broker.producerIdExpirationMs);
        }
      }
      for (const log of this.logs.values()) await log.deleteExpiredFiles(nowMs);
      await this.removeDeletedDirs(nowMs);
      if (due(this.lastRun.recoveryCheckpoint, this.broker.flushOffsetCheckpointIntervalMs)) {
        this.lastRun.recoveryCheckpoint = nowMs;
        await this.checkpointRecoveryPoints();
      }
      if (due(this.lastRun.startCheckpoint, this.broker.flushStartOffsetCheckpointIntervalMs)) {
        this.lastRun.startCheckpoint = nowMs;
        await this.checkpointLogStartOffsets();
      }
    } finally {
      this.isTicking = false;
    }
  }

  /** After the segments rolls left behind are fsynced (see SegmentRoller.roll): their offsets are recovered. */
  async checkpointRecoveryPoints(): Promise<void> {
    for (const log of this.logs.values()) await log.syncRolledSegments();
    await this.writeDirCheckpoints(RECOVERY_POINT_CHECKPOINT, (log) => log.recoveryPoint);
  }

  async checkpointLogStartOffsets(): Promise<void> {
    await this.writeDirCheckpoints(LOG_START_OFFSET_CHECKPOINT, (log) => log.logStartOffset);
  }

  async checkpointCleanerOffsets(): Promise<void> {
    await this.writeDirCheckpoints(CLEANER_OFFSET_CHECKPOINT, (log) => log.cleanerCheckpoint);
  }

  private async writeDirCheckpoints(name: string, offsetOf: (log: PartitionLog) => bigint): Promise<void> {
    for (const dir of this.dirs) {
      const entries = [...this.logs.entries()]
        .filter(([key]) => this.dirOfLog.get(key) === dir.path)
        .map(([, log]) => ({ topic: log.topic, partition: log.partition, offset: offsetOf(log) }));
      await writeOffsetCheckpoint(this.options.fs, joinPath(dir.path, name), entries);
    }
  }

  private startTimer(): void {
    const periodMs = Math.max(
      10,
      Math.min(
        30_000,
        this.broker.flushSchedulerIntervalMs,
        this.broker.retentionCheckIntervalMs,
        this.broker.flushOffsetCheckpointIntervalMs,
        this.broker.flushStartOffsetCheckpointIntervalMs,
        this.broker.cleanerBackoffMs,
        this.broker.producerIdExpirationCheckIntervalMs,
      ),
    );
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => {
        this.logger.warn({ error: String(error) }, 'log manager background duty failed');
      });
    }, periodMs);
    this.timer.unref();
  }

  /** Flushes and closes every log, writes both checkpoints and the clean-shutdown markers, unlocks. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const log of this.logs.values()) await log.close();
    await this.checkpointRecoveryPoints();
    await this.checkpointLogStartOffsets();
    await this.checkpointCleanerOffsets();
    for (const dir of this.dirs) {
      await writeFileAtomically(this.options.fs, joinPath(dir.path, CLEAN_SHUTDOWN_FILE), Buffer.alloc(0));
      await dir.lock.release();
    }
    this.logs.clear();
  }
}
