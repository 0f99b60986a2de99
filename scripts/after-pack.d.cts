/** Types for after-pack.cjs (electron-builder loads hooks as CommonJS). */
interface AfterPackContext {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string }; executableName: string };
}
declare function afterPack(context: AfterPackContext): Promise<void>;
declare namespace afterPack {
  function executableOf(context: AfterPackContext): string;
}
export = afterPack;
