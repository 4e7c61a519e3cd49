package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Uploads that trickle or stall cost a connection and the bytes they sent, never a request thread:
 * a gateway with only four request threads keeps answering everyone while three times as many
 * uploads sit half-sent, with and without a key. The body deadline is ten minutes here, so nothing
 * in these tests is freed by a timer; {@code SecurityIT} checks the deadline's 408.
 */
class SlowUploadsIT {

  private static final int THREADS = 4;
  private static final int MAX_BODY = 64 * 1024;
  private static final Map<String, String> SETTINGS =
      Map.of(
          "streamgate.api-keys", SecurityIT.key("alice"),
          "streamgate.max-threads", Integer.toString(THREADS),
          "streamgate.max-body", Integer.toString(MAX_BODY),
          "streamgate.body-timeout", "10m");

  private static int port;
  private static OwnLauncher launcher;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    launcher = OwnLauncher.start(SETTINGS);
    gateway = launcher.gateway();
    port = launcher.port();
  }

  @AfterAll
  static void stop() throws Exception {
    launcher.stop();
  }

  @Test
  void stalledUploadsHoldNoRequestThread() throws Exception {
    String body = Gateway.simulated("sent one byte at a time").length(5).maxTokens(5).toString();
    String chat =
        "{\"model\":\"simulated\",\"max_tokens\":3,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    List<Upload> keyed = new ArrayList<>();
    List<Upload> keyless = new ArrayList<>();
    try {
      for (int i = 0; i < 3 * THREADS; i++) {
        keyed.add(
            Upload.start(
                i % 2 == 0 ? "/api/generations" : "/v1/chat/completions",
                i % 2 == 0 ? body : chat,
                "Authorization: Bearer sk-alice\r\n"));
        keyless.add(Upload.start("/api/generations", body, ""));
      }

      // A refusal that needs no body comes at once, while its body is still owed.
      for (Upload refused : keyless) {
        String answer = refused.response();
        assertTrue(answer.startsWith("HTTP/1.1 401 "), answer);
        assertTrue(answer.contains("\r\nConnection: close\r\n"), answer);
        assertTrue(answer.contains("\"code\":\"unauthorized\""), answer);
      }
      // Everyone else is served meanwhile: none of the four threads waits on an upload.
      assertEquals(200, gateway.get("health").statusCode());
      assertEquals(200, gateway.get("api/models", "Authorization", "Bearer sk-alice").statusCode());
      var created =
          gateway.send(
              gateway
                  .request("api/generations")
                  .header("Authorization", "Bearer sk-alice")
                  .header("Content-Type", "application/json")
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
      assertEquals(201, created.statusCode(), created.body());
      // ...and the stalled uploads are still waiting for their bytes, unanswered.
      for (Upload upload : keyed) {
        upload.assertNothingYet();
      }

      // Each upload, once whole, is served as if it had come at once.
      for (int i = 0; i < keyed.size(); i++) {
        String answer = keyed.get(i).finish().response();
        if (i % 2 == 0) {
          assertTrue(answer.startsWith("HTTP/1.1 201 "), answer);
          assertTrue(answer.contains("\"state\":\"running\""), answer);
        } else {
          assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
          assertTrue(answer.contains("\"object\":\"chat.completion\""), answer);
        }
      }
      // A refused client's late body is read and dropped; then its connection closes.
      for (Upload refused : keyless) {
        refused.finish().assertClosed();
      }
    } finally {
      keyed.forEach(Upload::close);
      keyless.forEach(Upload::close);
    }
  }

  @Test
  void aBodyOverTheLimitIs413AndClosesTheConnection() throws Exception {
    // Declared too large: refused before a byte of it is sent.
    try (Upload declared =
        Upload.open(
            "POST /api/generations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-alice\r\n"
                + "Content-Type: application/json\r\nContent-Length: "
                + (MAX_BODY + 1)
                + "\r\n\r\n")) {
      String answer = declared.response();
      assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
      assertTrue(
          answer.contains(
              "\"detail\":\"The request body is larger than the limit of "
                  + MAX_BODY
                  + " bytes.\""),
          answer);
      // What the client sends on is never taken for a next request: no answer, just the close.
      declared.send("x".repeat(MAX_BODY + 1));
      declared.assertClosed();
    }
    // Chunked, so only counting tells: refused as the limit is passed, on /v1 in OpenAI's form.
    try (Upload chunked =
        Upload.open(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-alice\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")) {
      String chunk = " ".repeat(8192);
      for (int sent = 0; sent <= MAX_BODY; sent += chunk.length()) {
        chunked.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      }
      String answer = chunked.response();
      assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
      assertTrue(answer.contains("\"code\":\"body_too_large\""), answer);
      assertTrue(answer.contains("\"type\":\"invalid_request_error\""), answer);
      chunked.assertClosed();
    }
  }

  /** One raw HTTP/1.1 request whose body is sent when the test says. */
  private static final class Upload implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private String rest = "";

    private Upload(String head) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
      in = socket.getInputStream();
      send(head);
    }

    static Upload open(String head) throws IOException {
      return new Upload(head);
    }

    /** Sends the headers and the first byte of {@code body}, and keeps the rest. */
    static Upload start(String path, String body, String headers) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      Upload upload =
          new Upload(
              "POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + headers
                  + "Content-Type: application/json\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n"
                  + body.charAt(0));
      upload.rest = body.substring(1);
      return upload;
    }

    void send(String text) throws IOException {
      socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
    }

    Upload finish() throws IOException {
      send(rest);
      return this;
    }

    /** One response: its head, then as many body bytes as its Content-Length says. */
    String response() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed after " + head);
        }
        head.write(b);
      }
      String text = head.toString(StandardCharsets.ISO_8859_1);
      var length = java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(text);
      int size = length.find() ? Integer.parseInt(length.group(1)) : 0;
      return text + new String(in.readNBytes(size), StandardCharsets.UTF_8);
    }

    /** The server has said nothing on this connection (checked for a fifth of a second). */
    void assertNothingYet() throws IOException {
      socket.setSoTimeout(200);
      try {
        assertThrows(SocketTimeoutException.class, in::read, "an answer before the body came");
      } finally {
        socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
      }
    }

    /** The server closes the connection: end of stream, with nothing more said. */
    void assertClosed() throws IOException {
      try {
        assertEquals(-1, in.read(), "the connection stays open");
      } catch (java.net.SocketException reset) {
        // A reset is a close too: the server dropped what the client still had in flight.
      }
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a test socket
      }
    }
  }
}
