package dev.streamgate.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class TicketsTest {

  private static final byte[] SECRET = "the same on every node".getBytes(StandardCharsets.UTF_8);
  private static final long NOW = 1_000_000L;

  private final Tickets tickets = new Tickets(SECRET, Duration.ofMinutes(5));

  @Test
  void aTicketOpensOnAnyNodeWithTheSameSecretForItsGenerationOnly() {
    String ticket = tickets.issue("gen_a", "alice", NOW);

    Tickets.Ticket opened = new Tickets(SECRET, Duration.ofMinutes(5)).verify(ticket, "gen_a", NOW);

    assertEquals("gen_a", opened.generation());
    assertEquals("alice", opened.owner());
    assertNull(tickets.verify(ticket, "gen_b", NOW));
    assertNull(
        new Tickets("another".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(5))
            .open(ticket, NOW));
  }

  @Test
  void aTicketNamesNeitherItsKeyNorItsGeneration() {
    String ticket = tickets.issue("gen_visible", "alice-the-key", NOW);
    String bytes = new String(Base64.getUrlDecoder().decode(ticket), StandardCharsets.ISO_8859_1);

    assertFalse(bytes.contains("alice") || bytes.contains("gen_visible"), bytes);
    assertFalse(ticket.contains("alice"), ticket);
  }

  @Test
  void anAlteredExpiredOrMalformedTicketOpensNothing() {
    String ticket = tickets.issue("gen_a", "alice", NOW);
    // A character in the middle: all six of its bits count. The last one's low bits may be the
    // encoding's padding, which decoders ignore, so changing it sometimes changes nothing.
    int at = ticket.length() / 2;
    char middle = ticket.charAt(at);
    String altered =
        ticket.substring(0, at) + (middle == 'A' ? 'B' : 'A') + ticket.substring(at + 1);

    assertNull(tickets.open(altered, NOW));
    assertNull(tickets.open(ticket, NOW + Duration.ofMinutes(5).toMillis() + 1));
    assertNull(tickets.open("not a ticket", NOW));
    assertNull(tickets.open("", NOW));
    assertNull(tickets.open("A".repeat(600), NOW));
  }

  @Test
  void aTicketSpelledAnotherWayOpensNothing() {
    String ticket = tickets.issue("gen_a", "alice", NOW);
    for (int i = 0; ticket.length() % 4 == 0; i++) { // no spare bits: a length that has some
      ticket = tickets.issue("gen_a" + "a".repeat(i), "alice", NOW);
    }
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int last = alphabet.indexOf(ticket.charAt(ticket.length() - 1));
    String spare = ticket.substring(0, ticket.length() - 1) + alphabet.charAt(last ^ 1);
    // The same bytes to a decoder: only the last character's spare bit differs.
    assertArrayEquals(
        Base64.getUrlDecoder().decode(ticket), Base64.getUrlDecoder().decode(spare), spare);

    assertNull(tickets.open(spare, NOW));
    assertNull(tickets.open(ticket + "=".repeat(4 - ticket.length() % 4), NOW), "padded");
    assertNotNull(tickets.open(ticket, NOW));
  }

  @Test
  void everyTicketIssuedHasItsOwnIdForThePerTicketCap() {
    String first = tickets.issue("gen_a", "alice", NOW);
    String second = tickets.issue("gen_a", "alice", NOW);

    assertNotEquals(first, second);
    assertNotEquals(tickets.open(first, NOW).id(), tickets.open(second, NOW).id());
    assertEquals(tickets.open(first, NOW).id(), tickets.open(first, NOW).id());
  }
}
