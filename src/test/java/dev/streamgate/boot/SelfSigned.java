package dev.streamgate.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by the JDK's keytool in {@code dir}:
 * the PKCS#12 keystore it writes, and the same certificate and key as PEM files, as an operator
 * would hand them to the gateway. {@link #trust()} is a TLS context that trusts only it.
 */
public record SelfSigned(Path keystore, Path certPem, Path keyPem, String password) {

  public static SelfSigned in(Path dir, String algorithm) throws Exception {
    Files.createDirectories(dir);
    Path keystore = dir.resolve("gateway-" + algorithm.toLowerCase() + ".p12");
    Files.deleteIfExists(keystore);
    String password = "changeit";
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "gateway",
                "-keyalg",
                algorithm,
                "-dname",
                "CN=localhost",
                "-ext",
                "san=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password,
                "-keypass",
                password));
    if (algorithm.equals("RSA")) {
      command.addAll(List.of("-keysize", "2048"));
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore store = load(keystore, password);
    Path cert = dir.resolve("gateway-" + algorithm.toLowerCase() + ".pem");
    Path key = dir.resolve("gateway-" + algorithm.toLowerCase() + ".key");
    Files.writeString(cert, pem("CERTIFICATE", store.getCertificate("gateway").getEncoded()));
    Files.writeString(
        key, pem("PRIVATE KEY", store.getKey("gateway", password.toCharArray()).getEncoded()));
    return new SelfSigned(keystore, cert, key, password);
  }

  private static KeyStore load(Path keystore, String password)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, password.toCharArray());
    }
    return store;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** A TLS context that trusts this certificate and nothing else. */
  public SSLContext trust() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("gateway", load(keystore, password).getCertificate("gateway"));
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
