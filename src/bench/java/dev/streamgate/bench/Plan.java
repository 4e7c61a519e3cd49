package dev.streamgate.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One load run's parameters and the requests it sends: {@code c} connections on one transport,
 * each running generations of {@code n} tokens at {@code r} tokens/s after {@code ttftMs}, with one
 * of {@link #prompts()} prompts (so the model's text is known in advance and checked).
 *
 * <p>With several {@code nodes} (ports of one cluster) connection {@code i} creates its generations
 * on node {@code i mod nodes}; {@code crossRead} has SSE and long polling read each one from the
 * next node, and {@code resumeEvery} has SSE drop its stream every that many tokens and resume it
 * on the next node. {@code redisPort} (0 for none) is the cluster's Redis, whose CPU is counted.
 */
record Plan(
    Transport transport,
    String host,
    int port,
    int c,
    int n,
    double r,
    long ttftMs,
    String[] expected,
    String[] idleIds,
    int[] nodes,
    int redisPort,
    boolean crossRead,
    int resumeEvery) {

  /** One node, every stream read where it was created. */
  Plan(
      Transport transport,
      String host,
      int port,
      int c,
      int n,
      double r,
      long ttftMs,
      String[] expected,
      String[] idleIds) {
    this(transport, host, port, c, n, r, ttftMs, expected, idleIds, new int[] {port}, 0, false, 0);
  }

  /** The base URL of each node, for its metrics. */
  java.util.List<String> bases() {
    return java.util.Arrays.stream(nodes).mapToObj(p -> "http://" + host + ":" + p).toList();
  }

  static String prompt(int k) {
    return "Benchmark prompt number " + k + ": explain streaming transports.";
  }

  int prompts() {
    return expected.length;
  }

  String hostHeader() {
    return host + ":" + port;
  }

  String expectedText(int prompt) {
    return expected[prompt];
  }

  long dueNanos(long requestNanos, long seq) {
    return requestNanos + ttftMs * 1_000_000L + Math.round((seq - 1) * 1e9 / r);
  }

  /** The generation request every transport carries. */
  static String generation(int prompt, int n, double r, long ttftMs, boolean openAi) {
    return "{\"model\":\"simulated\","
        + (openAi ? "\"stream\":true," : "")
        + "\"messages\":[{\"role\":\"user\",\"content\":\""
        + prompt(prompt)
        + "\"}],\"max_tokens\":"
        + n
        + ",\"simulation\":{\"ttft_ms\":"
        + ttftMs
        + ",\"tokens_per_second\":"
        + r
        + ",\"seed\":1,\"length\":"
        + n
        + "}}";
  }

  ByteBuffer createRequest(int prompt) {
    return post("/api/generations", generation(prompt, n, r, ttftMs, false));
  }

  ByteBuffer openAiRequest(int prompt) {
    return post("/v1/chat/completions", generation(prompt, n, r, ttftMs, true));
  }

  String wsGenerate(int prompt) {
    return "{\"type\":\"generate\",\"request\":" + generation(prompt, n, r, ttftMs, false) + "}";
  }

  private ByteBuffer post(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: "
                + hostHeader()
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(head.length + body.length).put(head).put(body).flip();
  }
}
