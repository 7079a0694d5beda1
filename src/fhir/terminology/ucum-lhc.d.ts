// The part of @lhncbc/ucum-lhc (NLM, no bundled types) that ucum.ts uses.
declare module '@lhncbc/ucum-lhc' {
  interface BaseUnits {
    status: 'succeeded' | 'invalid' | 'failed' | 'error';
    magnitude?: number;
    unitToExp?: Record<string, number>;
    msg?: string[];
  }
  interface UcumLhcUtils {
    convertToBaseUnits(fromUnit: string, fromVal: number): BaseUnits;
  }
  const ucum: { UcumLhcUtils: { getInstance(): UcumLhcUtils } };
  export default ucum;
}
