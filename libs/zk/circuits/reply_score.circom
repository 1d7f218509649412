pragma circom 2.1.0;

// reply_score: an 8 -> 8 (ReLU) -> 2 fixed-point MLP that scores one chat reply, with private weights bound to a
// public Poseidon commitment. libs/zk/src/model/mlp.ts is the plain TypeScript twin; a unit test keeps them equal.
//
// Fixed point: features, weights and biases are integers at scale 2^FRAC (FRAC = 8, so 1.0 == 256).
//   hidden  z[j] = sum_i w1[j][i] * x[i] + b1[j] * 2^FRAC          (scale 2^16, signed)
//           h[j] = max(z[j], 0) >> FRAC                              (scale 2^8, ReLU then floor)
//   output  y[k] = sum_j w2[k][j] * h[j] + b2[k] * 2^FRAC          (scale 2^16, signed)
//           s[k] = floor(y[k] / 2^FRAC)                              (scale 2^8, signed, rounds toward -inf)
// Negative numbers are field elements p - |v|. Signs come from the top bit of circomlib's Num2Bits over
// z + 2^ACC_BITS, the construction inside circomlib's LessThan(z, 0); doing it here lets the same bits also give the
// floor division, so ReLU and rescaling cost one comparator's worth of constraints.
// Every accumulator must satisfy |z| < 2^ACC_BITS or no witness exists; mlp.ts enforces the same bound.
//
// Public signals, in snarkjs order (outputs first, then public inputs as declared):
//   [ scores[0] (tone), scores[1] (safety), features[0..7], commitment ]

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// max(in, 0) >> FRAC for a signed |in| < 2^ACC_BITS.
template ReluShift(ACC_BITS, FRAC) {
    signal input in;
    signal output out;
    component bits = Num2Bits(ACC_BITS + 1);
    bits.in <== in + (1 << ACC_BITS);
    var magnitude = 0;
    for (var i = FRAC; i < ACC_BITS; i++) {
        magnitude += bits.out[i] * (1 << (i - FRAC));
    }
    // bits.out[ACC_BITS] is 1 exactly when in >= 0.
    out <== bits.out[ACC_BITS] * magnitude;
}

// floor(in / 2^FRAC) for a signed |in| < 2^ACC_BITS: shift the offset value, then remove the shifted offset.
template SignedShift(ACC_BITS, FRAC) {
    signal input in;
    signal output out;
    component bits = Num2Bits(ACC_BITS + 1);
    bits.in <== in + (1 << ACC_BITS);
    var shifted = 0;
    for (var i = FRAC; i <= ACC_BITS; i++) {
        shifted += bits.out[i] * (1 << (i - FRAC));
    }
    out <== shifted - (1 << (ACC_BITS - FRAC));
}

// Poseidon over more than 16 values (circomlib's Poseidon takes at most 16): a chain in which each link hashes the
// previous link's hash with the next 15 values, the first link 16 values. For 90 values that is 6 hashes (~3,640
// constraints) against 7 for "hash chunks, then hash the chunk hashes" (~3,810), which keeps the circuit within 2^12.
template ChainedPoseidon(N) {
    signal input in[N];
    signal output out;
    var nLinks = N <= 16 ? 1 : 1 + (N - 16 + 14) \ 15;
    component link[nLinks];
    var taken = 0;
    for (var c = 0; c < nLinks; c++) {
        var carry = c == 0 ? 0 : 1;
        var size = N - taken < 16 - carry ? N - taken : 16 - carry;
        link[c] = Poseidon(size + carry);
        if (c > 0) {
            link[c].inputs[0] <== link[c - 1].out;
        }
        for (var i = 0; i < size; i++) {
            link[c].inputs[carry + i] <== in[taken + i];
        }
        taken += size;
    }
    out <== link[nLinks - 1].out;
}

template ReplyScore(N_IN, N_HID, N_OUT, FRAC, ACC_BITS) {
    signal input features[N_IN];
    signal input commitment;
    signal input w1[N_HID][N_IN];
    signal input b1[N_HID];
    signal input w2[N_OUT][N_HID];
    signal input b2[N_OUT];
    signal output scores[N_OUT];

    // Each feature is an unsigned fixed-point value in [0, 1), i.e. an integer in [0, 2^FRAC - 1]. It is public and
    // the off-chain verifier recomputes it, but the range check gives an on-chain verifier the same guarantee.
    component range[N_IN];
    for (var i = 0; i < N_IN; i++) {
        range[i] = Num2Bits(FRAC);
        range[i].in <== features[i];
    }

    // Commitment order: w1 row-major, b1, w2 row-major, b2 (libs/zk/src/model/commitment.ts flattens the same way).
    var N_PARAMS = N_HID * N_IN + N_HID + N_OUT * N_HID + N_OUT;
    component hash = ChainedPoseidon(N_PARAMS);
    var p = 0;
    for (var j = 0; j < N_HID; j++) {
        for (var i = 0; i < N_IN; i++) {
            hash.in[p] <== w1[j][i];
            p++;
        }
    }
    for (var j = 0; j < N_HID; j++) {
        hash.in[p] <== b1[j];
        p++;
    }
    for (var k = 0; k < N_OUT; k++) {
        for (var j = 0; j < N_HID; j++) {
            hash.in[p] <== w2[k][j];
            p++;
        }
    }
    for (var k = 0; k < N_OUT; k++) {
        hash.in[p] <== b2[k];
        p++;
    }
    hash.out === commitment;

    signal prod1[N_HID][N_IN];
    component relu[N_HID];
    for (var j = 0; j < N_HID; j++) {
        var z = b1[j] * (1 << FRAC);
        for (var i = 0; i < N_IN; i++) {
            prod1[j][i] <== w1[j][i] * features[i];
            z += prod1[j][i];
        }
        relu[j] = ReluShift(ACC_BITS, FRAC);
        relu[j].in <== z;
    }

    signal prod2[N_OUT][N_HID];
    component shift[N_OUT];
    for (var k = 0; k < N_OUT; k++) {
        var y = b2[k] * (1 << FRAC);
        for (var j = 0; j < N_HID; j++) {
            prod2[k][j] <== w2[k][j] * relu[j].out;
            y += prod2[k][j];
        }
        shift[k] = SignedShift(ACC_BITS, FRAC);
        shift[k].in <== y;
        scores[k] <== shift[k].out;
    }
}

component main {public [features, commitment]} = ReplyScore(8, 8, 2, 8, 24);
