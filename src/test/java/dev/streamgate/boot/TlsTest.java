package dev.streamgate.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamgate.runtime.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the launcher accepts for HTTPS, and the message that names the setting when it does not. */
class TlsTest {

  @TempDir static Path dir;
  private static SelfSigned ec;
  private static SelfSigned rsa;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ec = SelfSigned.in(dir, "EC");
    rsa = SelfSigned.in(dir, "RSA");
  }

  private static Tls tls(Map<String, String> settings) {
    return Tls.of(new Settings(settings::get));
  }

  private static String refusal(Map<String, String> settings) {
    return assertThrows(IllegalArgumentException.class, () -> tls(settings)).getMessage();
  }

  @Test
  void noCertificateIsNoHttps() {
    assertNull(tls(Map.of()));
  }

  @Test
  void aPemCertificateWithItsKeyOrAKeystoreWithItsPassword() {
    for (SelfSigned made : new SelfSigned[] {ec, rsa}) {
      Tls pem =
          tls(
              Map.of(
                  "STREAMGATE_TLS_CERT", made.certPem().toString(),
                  "STREAMGATE_TLS_KEY", made.keyPem().toString(),
                  "STREAMGATE_TLS_PORT", "0"));
      assertFalse(pem.isKeystore());
      assertEquals(0, pem.port());
      Tls keystore =
          tls(
              Map.of(
                  "STREAMGATE_TLS_CERT", made.keystore().toString(),
                  "STREAMGATE_TLS_PASSWORD", made.password()));
      assertTrue(keystore.isKeystore());
      assertEquals(8443, keystore.port());
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() {
    assertEquals(
        "STREAMGATE_TLS_KEY is not the private key of STREAMGATE_TLS_CERT's certificate: "
            + rsa.keyPem(),
        refusal(
            Map.of(
                "STREAMGATE_TLS_CERT", ec.certPem().toString(),
                "STREAMGATE_TLS_KEY", rsa.keyPem().toString())));
  }

  @Test
  void aPemCertificateNeedsItsKey() {
    assertEquals(
        "STREAMGATE_TLS_KEY must be set with a PEM STREAMGATE_TLS_CERT ("
            + ec.certPem()
            + "): the certificate's private key, in PEM",
        refusal(Map.of("STREAMGATE_TLS_CERT", ec.certPem().toString())));
  }

  @Test
  void filesThatAreNotWhatTheySayAreRefused() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    assertEquals(
        "STREAMGATE_TLS_CERT holds no PEM certificate (-----BEGIN CERTIFICATE-----): " + garbage,
        refusal(
            Map.of(
                "STREAMGATE_TLS_CERT", garbage.toString(),
                "STREAMGATE_TLS_KEY", ec.keyPem().toString())));
    assertEquals(
        "STREAMGATE_TLS_KEY is not a PEM private key: " + garbage,
        refusal(
            Map.of(
                "STREAMGATE_TLS_CERT", ec.certPem().toString(),
                "STREAMGATE_TLS_KEY", garbage.toString())));
  }

  @Test
  void aKeystoreNeedsItsPasswordWhichIsNeverShown() {
    String message =
        refusal(
            Map.of(
                "STREAMGATE_TLS_CERT",
                ec.keystore().toString(),
                "STREAMGATE_TLS_PASSWORD",
                "wrong-password"));
    assertEquals(
        "STREAMGATE_TLS_CERT is not a PKCS#12 keystore that STREAMGATE_TLS_PASSWORD opens: "
            + ec.keystore(),
        message);
    assertEquals(
        "STREAMGATE_TLS_KEY must not be set with a PKCS#12 STREAMGATE_TLS_CERT ("
            + ec.keystore()
            + "): the keystore holds the key",
        refusal(
            Map.of(
                "STREAMGATE_TLS_CERT", ec.keystore().toString(),
                "STREAMGATE_TLS_KEY", ec.keyPem().toString(),
                "STREAMGATE_TLS_PASSWORD", ec.password())));
  }
}
