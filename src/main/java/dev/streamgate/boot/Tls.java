package dev.streamgate.boot;

import dev.streamgate.runtime.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Collections;
import java.util.Locale;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.util.net.jsse.PEMFile;

/**
 * HTTPS on the launcher: {@code STREAMGATE_TLS_CERT} is a PEM certificate chain (with its PEM
 * private key in {@code STREAMGATE_TLS_KEY}) or a PKCS#12 keystore ({@code .p12} / {@code .pfx});
 * {@code STREAMGATE_TLS_PASSWORD} opens the keystore or an encrypted key. The HTTPS connector
 * listens on {@code STREAMGATE_TLS_PORT} and offers HTTP/2 by ALPN, HTTP/1.1 to clients that do not
 * ask for it. Everything is checked before anything listens, each failure naming its setting.
 */
record Tls(Path cert, Path key, String password, int port) {

  /** The TLS settings, or null when {@code STREAMGATE_TLS_CERT} is not set. */
  static Tls of(Settings settings) {
    String cert = settings.string("STREAMGATE_TLS_CERT", null);
    String key = settings.string("STREAMGATE_TLS_KEY", null);
    String password = settings.string("STREAMGATE_TLS_PASSWORD", null);
    if (cert == null) {
      if (key != null) {
        throw new IllegalArgumentException(
            "STREAMGATE_TLS_KEY is set but STREAMGATE_TLS_CERT is not: set the certificate too,"
                + " or neither: "
                + key);
      }
      if (password != null) {
        throw new IllegalArgumentException(
            "STREAMGATE_TLS_PASSWORD is set but STREAMGATE_TLS_CERT is not: set the certificate"
                + " too, or neither (the password is not shown)");
      }
      return null;
    }
    Tls tls =
        new Tls(
            readable("STREAMGATE_TLS_CERT", cert),
            key == null ? null : readable("STREAMGATE_TLS_KEY", key),
            password,
            settings.tlsPort());
    tls.check();
    return tls;
  }

  private static Path readable(String setting, String value) {
    Path path = Path.of(value).toAbsolutePath();
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException(setting + " is not a readable file: " + path);
    }
    return path;
  }

  boolean isKeystore() {
    String name = cert.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".p12") || name.endsWith(".pfx");
  }

  /** Opens the certificate and the key as Tomcat will, and checks that they belong together. */
  private void check() {
    if (isKeystore()) {
      if (key != null) {
        throw new IllegalArgumentException(
            "STREAMGATE_TLS_KEY must not be set with a PKCS#12 STREAMGATE_TLS_CERT ("
                + cert
                + "): the keystore holds the key");
      }
      checkKeystore();
      return;
    }
    if (key == null) {
      throw new IllegalArgumentException(
          "STREAMGATE_TLS_KEY must be set with a PEM STREAMGATE_TLS_CERT ("
              + cert
              + "): the certificate's private key, in PEM");
    }
    Collection<? extends Certificate> chain;
    try (InputStream in = Files.newInputStream(cert)) {
      chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | GeneralSecurityException e) {
      chain = Collections.emptyList();
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(
          "STREAMGATE_TLS_CERT holds no PEM certificate (-----BEGIN CERTIFICATE-----): " + cert);
    }
    PrivateKey privateKey;
    try {
      privateKey = new PEMFile(key.toString(), password).getPrivateKey();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      privateKey = null;
    }
    if (privateKey == null) {
      throw new IllegalArgumentException(
          "STREAMGATE_TLS_KEY is not a PEM private key"
              + (password == null ? "" : " that STREAMGATE_TLS_PASSWORD opens")
              + ": "
              + key);
    }
    if (!pair(privateKey, chain.iterator().next().getPublicKey())) {
      throw new IllegalArgumentException(
          "STREAMGATE_TLS_KEY is not the private key of STREAMGATE_TLS_CERT's certificate: " + key);
    }
  }

  private void checkKeystore() {
    try (InputStream in = Files.newInputStream(cert)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password == null ? new char[0] : password.toCharArray());
      for (String alias : Collections.list(store.aliases())) {
        if (store.isKeyEntry(alias)) {
          return;
        }
      }
      throw new IllegalArgumentException(
          "STREAMGATE_TLS_CERT is a PKCS#12 keystore with no private key in it: " + cert);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "STREAMGATE_TLS_CERT is not a PKCS#12 keystore that "
              + (password == null ? "opens without a password" : "STREAMGATE_TLS_PASSWORD opens")
              + ": "
              + cert,
          e);
    }
  }

  /** Whether the key signs what the certificate's public key verifies. */
  private static boolean pair(PrivateKey privateKey, PublicKey publicKey) {
    String algorithm =
        switch (publicKey.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return true; // a key type we cannot try: Tomcat's handshake will tell
    }
    try {
      byte[] probe = "streamgate".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * Makes {@code connector} (configured as the plain one is) the HTTPS one, with h2 by ALPN when
   * {@code http2} is given.
   */
  void secure(Connector connector, Http2Protocol http2) {
    connector.setPort(port);
    connector.setSecure(true);
    connector.setScheme("https");
    connector.setProperty("SSLEnabled", "true");
    SSLHostConfig host = new SSLHostConfig();
    SSLHostConfigCertificate certificate =
        new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
    if (isKeystore()) {
      certificate.setCertificateKeystoreFile(cert.toString());
      certificate.setCertificateKeystoreType("PKCS12");
      certificate.setCertificateKeystorePassword(password == null ? "" : password);
    } else {
      certificate.setCertificateFile(cert.toString());
      certificate.setCertificateKeyFile(key.toString());
      certificate.setCertificateKeyPassword(password);
    }
    host.addCertificate(certificate);
    connector.addSslHostConfig(host);
    if (http2 != null) {
      connector.addUpgradeProtocol(http2);
    }
  }
}
