package dev.streamgate.stream;

import java.util.List;

/**
 * What a reader gets after its cursor: the next tokens (seq {@code after + 1} onwards) and, once
 * the reader has reached the end of a finished stream, the terminal event.
 */
public record Slice(long after, List<String> texts, Terminal terminal) {

  /** Nothing new: no token and no terminal event. */
  public boolean isEmpty() {
    return texts.isEmpty() && terminal == null;
  }

  public long firstSeq() {
    return after + 1;
  }

  /** The cursor a reader holds once it has this slice. */
  public long lastSeq() {
    return after + texts.size();
  }

  /** The tokens' text in order, as one string. */
  public String text() {
    return texts.size() == 1 ? texts.get(0) : String.join("", texts);
  }
}
