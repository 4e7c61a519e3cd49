package dev.streamgate.it;

import static dev.streamgate.it.Gateway.richText;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Many clients on one generation, on every transport at once, all see the same text. */
class FanOutIT extends DeployedGateway {

  private static final int CLIENTS = 200;

  private record Client(String name, CompletableFuture<String> text) {}

  @Test
  void twoHundredClientsOnMixedTransportsReassembleTheSameText() {
    String id = gateway.createGeneration(richText().length(200).tokensPerSecond(100).ttftMs(100));
    List<WsClient> sockets = new ArrayList<>();
    List<Client> clients = new ArrayList<>();

    for (int i = 0; i < CLIENTS; i++) {
      switch (i % 3) {
        case 0 -> {
          SseReader sse = SseReader.open(gateway, id);
          clients.add(
              new Client(
                  "sse-" + i,
                  sse.ending().thenApply(end -> end.type() + " " + sse.transcript().text())));
        }
        case 1 ->
            clients.add(
                new Client(
                    "ws-" + i,
                    WsClient.connectAsync(gateway)
                        .thenCompose(
                            socket -> {
                              synchronized (sockets) {
                                sockets.add(socket);
                              }
                              return socket
                                  .subscribeAsync(id, 0)
                                  .thenCompose(sent -> socket.end(id))
                                  .thenApply(
                                      end ->
                                          WsClient.type(end) + " " + socket.transcript(id).text());
                            })));
        default -> {
          Gateway.Polling polling = gateway.pollToEnd(id, 0);
          clients.add(
              new Client(
                  "poll-" + i,
                  polling
                      .end()
                      .thenApply(
                          end ->
                              (end.get("done").asBoolean() ? "done " : "?? ")
                                  + polling.transcript().text())));
        }
      }
    }
    Gateway.await(
        CompletableFuture.allOf(
            clients.stream().map(Client::text).toArray(CompletableFuture[]::new)));

    String expected = "done " + Gateway.assertRich(gateway.awaitEnded(id).get("text").asText());
    Map<String, String> wrong = new TreeMap<>();
    for (Client client : clients) {
      String text = client.text().join();
      if (!expected.equals(text)) {
        wrong.put(client.name(), text);
      }
    }
    assertEquals(Map.of(), wrong, "clients whose text differs from the status text");
    synchronized (sockets) {
      sockets.forEach(WsClient::close);
    }
  }
}
