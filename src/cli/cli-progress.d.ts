// The part of cli-progress 3.12 (plain CommonJS, no bundled types) that src/cli/progress-bar.ts uses.
declare module 'cli-progress' {
  interface BarOptions {
    readonly format?: string;
    readonly stream?: NodeJS.WritableStream;
    readonly hideCursor?: boolean;
    readonly clearOnComplete?: boolean;
    readonly fps?: number;
    readonly etaBuffer?: number;
    readonly formatValue?: (value: number, options: unknown, type: string) => string;
  }
  interface Preset {
    readonly barCompleteChar: string;
    readonly barIncompleteChar: string;
  }
  class SingleBar {
    constructor(options: BarOptions, preset?: Preset);
    start(total: number, startValue: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    stop(): void;
  }
  const Presets: { readonly shades_classic: Preset };
  const cliProgress: { readonly SingleBar: typeof SingleBar; readonly Presets: typeof Presets };
  export default cliProgress;
}
