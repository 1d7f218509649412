import { createHash, X509Certificate } from 'node:crypto';
import { validityRefusal } from './policy';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function commonName(certificate: X509Certificate): string {
  const match = /^CN=(.*)$/m.exec(certificate.subject);
  return match ? match[1] : certificate.subject.replace(/\n/g, ', ');
}

export function notBefore(certificate: X509Certificate): Date {
  return new Date(certificate.validFrom);
}

export function notAfter(certificate: X509Certificate): Date {
  return new Date(certificate.validTo);
}

export function pemToDer(pem: string): Buffer[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => Buffer.from(block.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
}

/**
 * Root first: the pinned root signs itself, each other certificate names and is signed by its predecessor, and every
 * issuer is a CA. Dates are checked apart (chainValidityRefusal), so a tampered document reads as tampered at any date.
 */
export function chainSignatureRefusal(
  chain: readonly X509Certificate[],
  pinnedRootSha256: string,
): string | null {
  const [root] = chain;
  if (chain.length < 2) return 'certificate chain invalid: no intermediate or leaf certificate';
  const rootFingerprint = sha256Hex(root.raw);
  if (rootFingerprint !== pinnedRootSha256) {
    return `certificate chain invalid: untrusted root certificate (SHA-256 ${rootFingerprint})`;
  }
  if (!root.verify(root.publicKey)) return 'certificate chain invalid: root certificate is not self-signed';
  for (let index = 1; index < chain.length; index += 1) {
    const issuer = chain[index - 1];
    const subject = chain[index];
    if (!issuer.ca) return `certificate chain invalid: ${commonName(issuer)} is not a CA`;
    if (!subject.checkIssued(issuer) || !subject.verify(issuer.publicKey)) {
      return `certificate chain invalid: ${commonName(subject)} is not signed by ${commonName(issuer)}`;
    }
  }
  return null;
}

/** Reports the certificate that lapsed first, which is the one an operator has to renew. */
export function chainValidityRefusal(chain: readonly X509Certificate[], now: Date): string | null {
  const byExpiry = [...chain].sort((a, b) => notAfter(a).getTime() - notAfter(b).getTime());
  for (const certificate of byExpiry) {
    const refusal = validityRefusal(
      `certificate ${commonName(certificate)}`,
      notBefore(certificate),
      notAfter(certificate),
      now,
    );
    if (refusal) return refusal;
  }
  return null;
}

export function earliestExpiry(chain: readonly X509Certificate[]): Date {
  return new Date(Math.min(...chain.map((certificate) => notAfter(certificate).getTime())));
}
