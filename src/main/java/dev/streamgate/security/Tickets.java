package dev.streamgate.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stream tickets for browsers, whose EventSource and WebSocket cannot send a header: a short-lived
 * token that lets its holder read (and cancel) one generation as the key that owns it. Tickets
 * travel in URLs (logs, history), so they are sealed, not just signed: {@code base64url(nonce |
 * AES-GCM(generation|owner|expiry))}, with an AES key derived from the ticket secret. Nothing in a
 * ticket names its key; the nonce tells one ticket from another, for the per-ticket stream cap.
 */
final class Tickets {

  /** What a genuine, unexpired ticket says; {@code id} is unique per ticket issued. */
  record Ticket(String generation, String owner, String id) {}

  private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODE = Base64.getUrlDecoder();
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final Duration ttl;
  private final SecureRandom random = new SecureRandom();

  Tickets(byte[] secret, Duration ttl) {
    this.key = new SecretKeySpec(derive(secret), "AES");
    this.ttl = ttl;
  }

  /** A 256-bit AES key from a secret of any length: HMAC-SHA256 keyed by it, over a label. */
  private static byte[] derive(byte[] secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal("streamgate ticket v2".getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }

  Duration ttl() {
    return ttl;
  }

  String issue(String generationId, String owner, long nowMillis) {
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    byte[] payload =
        (generationId + "|" + owner + "|" + (nowMillis + ttl.toMillis()))
            .getBytes(StandardCharsets.UTF_8);
    try {
      byte[] sealed = cipher(Cipher.ENCRYPT_MODE, nonce).doFinal(payload);
      return ENCODE.encodeToString(
          ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has AES/GCM", e);
    }
  }

  /** The ticket if it is genuine, unexpired and for {@code generationId}; else null. */
  Ticket verify(String ticket, String generationId, long nowMillis) {
    Ticket opened = open(ticket, nowMillis);
    return opened != null && opened.generation().equals(generationId) ? opened : null;
  }

  /** What a genuine, unexpired ticket says, or null (forged, altered, expired or malformed). */
  Ticket open(String ticket, long nowMillis) {
    if (ticket.length() > 512) {
      return null;
    }
    try {
      byte[] bytes = DECODE.decode(ticket);
      // One spelling per ticket: the decoder ignores the last character's spare bits, so without
      // this a ticket altered there (or padded) would open as the one we issued.
      if (bytes.length <= NONCE || !ENCODE.encodeToString(bytes).equals(ticket)) {
        return null;
      }
      byte[] nonce = java.util.Arrays.copyOf(bytes, NONCE);
      byte[] payload =
          cipher(Cipher.DECRYPT_MODE, nonce).doFinal(bytes, NONCE, bytes.length - NONCE);
      String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
      if (parts.length != 3 || Long.parseLong(parts[2]) < nowMillis) {
        return null;
      }
      return new Ticket(parts[0], parts[1], ENCODE.encodeToString(nonce));
    } catch (IllegalArgumentException | GeneralSecurityException forgedOrMalformed) {
      return null;
    }
  }

  private Cipher cipher(int mode, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    return cipher;
  }
}
