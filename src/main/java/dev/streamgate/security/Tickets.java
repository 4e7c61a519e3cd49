package dev.streamgate.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stream tickets for browsers, whose EventSource and WebSocket cannot send a header: a short-lived
 * HMAC-signed token that lets its holder read (and cancel) one generation as the key that owns it.
 * Format: {@code base64url(generation|owner|expiry).base64url(hmac)}.
 */
final class Tickets {

  private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODE = Base64.getUrlDecoder();

  private final byte[] secret;
  private final Duration ttl;

  Tickets(byte[] secret, Duration ttl) {
    this.secret = secret.clone();
    this.ttl = ttl;
  }

  Duration ttl() {
    return ttl;
  }

  String issue(String generationId, String owner, long nowMillis) {
    String payload = generationId + "|" + owner + "|" + (nowMillis + ttl.toMillis());
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    return ENCODE.encodeToString(bytes) + "." + ENCODE.encodeToString(sign(bytes));
  }

  /**
   * The owner the ticket speaks for, or null if it is forged, expired or for another generation.
   */
  String verify(String ticket, String generationId, long nowMillis) {
    String[] opened = open(ticket, nowMillis);
    return opened != null && opened[0].equals(generationId) ? opened[1] : null;
  }

  /** {generation, owner} of a genuine, unexpired ticket, or null. */
  String[] open(String ticket, long nowMillis) {
    int dot = ticket.indexOf('.');
    if (dot < 0 || ticket.length() > 512) {
      return null;
    }
    try {
      byte[] payload = DECODE.decode(ticket.substring(0, dot));
      if (!MessageDigest.isEqual(sign(payload), DECODE.decode(ticket.substring(dot + 1)))) {
        return null;
      }
      String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
      if (parts.length != 3 || Long.parseLong(parts[2]) < nowMillis) {
        return null;
      }
      return new String[] {parts[0], parts[1]};
    } catch (IllegalArgumentException malformed) {
      return null;
    }
  }

  private byte[] sign(byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }
}
