// snarkjs ships no types; these cover only the calls libs/zk and scripts/zk-build.ts make.
declare module 'snarkjs' {
  export interface SnarkjsLogger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  }

  /** Projective coordinates as decimal strings, as snarkjs writes them: pi_a = [x, y, "1"]. */
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }

  export interface VerificationKey {
    protocol: string;
    curve: string;
    nPublic: number;
    IC: string[][];
    [key: string]: unknown;
  }

  export interface R1csInfo {
    nConstraints: number;
    nPubInputs: number;
    nPrvInputs: number;
    nOutputs: number;
    nVars: number;
    nLabels: number;
  }

  export interface Curve {
    terminate(): Promise<void>;
  }

  type FileOrBuffer = string | Uint8Array;

  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: FileOrBuffer,
      zkey: FileOrBuffer,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(
      vk: VerificationKey,
      publicSignals: string[],
      proof: Groth16Proof,
      logger?: SnarkjsLogger,
    ): Promise<boolean>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: string[]): Promise<string>;
  };

  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, fileName: string, logger?: SnarkjsLogger): Promise<unknown>;
    contribute(
      oldPtau: string,
      newPtau: string,
      name: string,
      entropy: string,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    beacon(
      oldPtau: string,
      newPtau: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: SnarkjsLogger): Promise<void>;
  };

  export const zKey: {
    /** Resolves to -1 instead of throwing when the circuit does not fit the ptau. */
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: SnarkjsLogger): Promise<unknown>;
    contribute(
      oldZkey: string,
      newZkey: string,
      name: string,
      entropy: string,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    beacon(
      oldZkey: string,
      newZkey: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: SnarkjsLogger): Promise<boolean>;
    exportVerificationKey(zkey: string, logger?: SnarkjsLogger): Promise<VerificationKey>;
    exportSolidityVerifier(
      zkey: string,
      templates: { groth16: string },
      logger?: SnarkjsLogger,
    ): Promise<string>;
  };

  /** An in-memory witness file: snarkjs fills `data`. */
  export interface MemFile {
    type: 'mem';
    data?: Uint8Array;
  }

  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: FileOrBuffer, out: string | MemFile): Promise<void>;
    exportJson(witness: string | MemFile): Promise<bigint[]>;
  };

  export const r1cs: {
    info(r1csFile: string, logger?: SnarkjsLogger): Promise<R1csInfo>;
  };

  export const curves: {
    getCurveFromName(name: string): Promise<Curve>;
  };
}
