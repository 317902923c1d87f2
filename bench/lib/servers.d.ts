/** One implementation of a benchmark suite: a name and the server file it runs. */
export interface Implementation {
  name: string;
  entry: string;
  /** Extra environment for this implementation's process. */
  env?: Record<string, string>;
}

/** A started implementation. */
export interface RunningServer {
  name: string;
  url: string;
  pid: number;
  stderr(): string;
  stop(): Promise<void>;
}

export declare const ROOT: string;
export declare const NODE_ARGS: readonly string[];
export declare function startServer(
  implementation: Implementation,
  options?: { env?: Record<string, string>; nodeArgs?: string[]; timeoutMs?: number },
): Promise<RunningServer>;
