// Share links: a presigned GET (SigV4 query parameters) of one object, signed with the signed-in key's
// own secret on the server (the page never holds it), for the host the browser reached this server by.
// The link is as good as that key's right to read the object, until it expires (at most 7 days, as S3).
import { ALGORITHM, canonicalQuery, canonicalRequest, formatAmzDate, signatureFor, signingKey, stringToSign, uriEncode } from "../auth/sigv4.ts";

export const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

export function presignedGet(o: { origin: string; bucket: string; key: string; accessKey: string; secretKey: string; region: string; expiresSeconds: number }): string {
  const url = new URL(o.origin);
  const datetime = formatAmzDate(Date.now());
  const date = datetime.slice(0, 8);
  const scope = `${date}/${o.region}/s3/aws4_request`;
  const path = `/${o.bucket}/${uriEncode(o.key, true)}`;
  const pairs: Array<[string, string]> = [
    ["X-Amz-Algorithm", ALGORITHM], ["X-Amz-Credential", `${o.accessKey}/${scope}`], ["X-Amz-Date", datetime],
    ["X-Amz-Expires", String(o.expiresSeconds)], ["X-Amz-SignedHeaders", "host"],
  ];
  const query = canonicalQuery(pairs);
  const canonical = canonicalRequest({ method: "GET", uri: path, query, headers: `host:${url.host}\n`, signedHeaders: "host", payloadHash: "UNSIGNED-PAYLOAD" });
  const signature = signatureFor(signingKey(o.secretKey, date, o.region, "s3"), stringToSign(datetime, scope, canonical));
  return `${url.protocol}//${url.host}${path}?${query}&X-Amz-Signature=${signature}`;
}
