package dev.streamgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Uploads that trickle or stall cost a connection and the bytes they sent, never a request thread:
 * a gateway with only four request threads keeps answering everyone while three times as many
 * uploads sit half-sent, with and without a key. The body deadline is ten minutes here, so nothing
 * in these tests is freed by a timer; {@code SecurityIT} checks the deadline's 408.
 */
@Tag("own-server")
class SlowUploadsIT {

  private static final int THREADS = 4;
  private static final int MAX_BODY = 64 * 1024;
  private static final Map<String, String> SETTINGS =
      Map.of(
          "streamgate.api-keys", SecurityIT.key("alice"),
          "streamgate.max-threads", Integer.toString(THREADS),
          "streamgate.max-body", Integer.toString(MAX_BODY),
          "streamgate.body-timeout", "10m");

  private static OwnGateway launcher;
  private static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    launcher = OwnGateway.start(SETTINGS);
    gateway = launcher.gateway();
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
    List<RawUpload> keyed = new ArrayList<>();
    List<RawUpload> keyless = new ArrayList<>();
    try {
      for (int i = 0; i < 3 * THREADS; i++) {
        keyed.add(
            RawUpload.start(
                launcher,
                i % 2 == 0 ? "/api/generations" : "/v1/chat/completions",
                i % 2 == 0 ? body : chat,
                "Authorization: Bearer sk-alice\r\n"));
        keyless.add(RawUpload.start(launcher, "/api/generations", body, ""));
      }

      // A refusal that needs no body comes at once, while its body is still owed.
      for (RawUpload refused : keyless) {
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
      for (RawUpload upload : keyed) {
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
      for (RawUpload refused : keyless) {
        refused.finish().assertClosed();
      }
    } finally {
      keyed.forEach(RawUpload::close);
      keyless.forEach(RawUpload::close);
    }
  }

  @Test
  void aBodyOverTheLimitIs413AndClosesTheConnection() throws Exception {
    // Declared too large: refused before a byte of it is sent.
    try (RawUpload declared =
        RawUpload.open(
            launcher,
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
    try (RawUpload chunked =
        RawUpload.open(
            launcher,
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
      if (launcher.closesAConnectionWhoseBodyIsOwed()) {
        chunked.assertClosed();
      }
    }
  }
}
