package dev.streamgate.bench;

/**
 * Reads fields out of the gateway's small JSON frames without building a tree: the generator must
 * stay cheap. A key is searched as {@code "key":}, which cannot match inside a string value (a
 * quote there is escaped).
 */
final class JsonScan {

  private JsonScan() {}

  /** The whole number after {@code "key":} from {@code from}, or {@code missing}. */
  static long number(String json, String key, int from, long missing) {
    int at = valueAt(json, key, from);
    if (at < 0 || at >= json.length()) {
      return missing;
    }
    long value = 0;
    boolean any = false;
    for (int i = at; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c < '0' || c > '9') {
        break;
      }
      value = value * 10 + (c - '0');
      any = true;
    }
    return any ? value : missing;
  }

  /** Index just after {@code "key":}, or -1. */
  static int valueAt(String json, String key, int from) {
    int at = json.indexOf("\"" + key + "\":", from);
    return at < 0 ? -1 : at + key.length() + 3;
  }

  /** The string value starting at the quote at {@code at}, unescaped; its end goes in {@code end[0]}. */
  static String string(String json, int at, int[] end) {
    if (at < 0 || at >= json.length() || json.charAt(at) != '"') {
      return null;
    }
    StringBuilder out = null;
    int i = at + 1;
    int start = i;
    for (; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        if (out == null) {
          out = new StringBuilder(json.length() - at);
        }
        out.append(json, start, i);
        char e = json.charAt(++i);
        switch (e) {
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'u' -> {
            out.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
            i += 4;
          }
          default -> out.append(e);
        }
        start = i + 1;
      }
    }
    if (end != null) {
      end[0] = i + 1;
    }
    if (out == null) {
      return json.substring(start, i);
    }
    return out.append(json, start, i).toString();
  }

  static String string(String json, String key, int from) {
    return string(json, valueAt(json, key, from), null);
  }
}
