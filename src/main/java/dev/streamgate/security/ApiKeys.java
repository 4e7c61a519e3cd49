package dev.streamgate.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * The API keys, held only as SHA-256 hashes: {@code name=sha256:<hex>} entries, comma-separated or
 * one per line. A presented key is hashed and looked up; the clear key is never stored.
 */
final class ApiKeys {

  private final Map<String, String> namesByHash;

  private ApiKeys(Map<String, String> namesByHash) {
    this.namesByHash = Map.copyOf(namesByHash);
  }

  static ApiKeys parse(String entries) {
    Map<String, String> names = new HashMap<>();
    for (String raw : entries.split("[,\\n]")) {
      String entry = raw.strip();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      int eq = entry.indexOf('=');
      String name = eq < 0 ? "" : entry.substring(0, eq).strip();
      String hash = eq < 0 ? "" : entry.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
      if (name.isEmpty() || !hash.matches("sha256:[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            "STREAMGATE_API_KEYS entry '"
                + (eq < 0 ? "…" : name)
                + "' is not name=sha256:<64 hex digits of the key's SHA-256>");
      }
      names.put(hash.substring("sha256:".length()), name);
    }
    return new ApiKeys(names);
  }

  boolean isEmpty() {
    return namesByHash.isEmpty();
  }

  /** Whether a key of this name is configured. */
  public boolean hasName(String name) {
    return namesByHash.containsValue(name);
  }

  int size() {
    return namesByHash.size();
  }

  /** The key's name, or null if it is not one of ours. */
  String nameOf(String presentedKey) {
    return namesByHash.get(sha256(presentedKey));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
