package io.wasmplane.dataplane.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressesTest {
  @ParameterizedTest
  @CsvSource({
      "127.0.0.1, 127.0.0.1",
      "::1, ::1",
      "::, ::",
      "2001:db8:0:0:0:0:0:7, 2001:db8::7",
      "2001:0db8:0:0:1:0:0:1, 2001:db8::1:0:0:1", // the first of two equal runs
      "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1", // a single zero group stays
      "2001:db8:0:0:1:0:0:0, 2001:db8:0:0:1::", // the longer run wins
      "fe80:0:0:0:a:b:c:d, fe80::a:b:c:d",
      "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789, abcd:ef01:2345:6789:abcd:ef01:2345:6789",
      "::ffff:10.1.2.3, 10.1.2.3"}) // Java maps IPv4-mapped addresses to IPv4
  void ipsAreWrittenInRfc5952Form(String in, String expected) throws Exception {
    assertThat(Addresses.ip(InetAddress.getByName(in))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"127.0.0.1, 80, 127.0.0.1:80", "2001:db8::7, 40000, [2001:db8::7]:40000", "::1, 8080, [::1]:8080"})
  void withAPortIpv6IsBracketed(String ip, int port, String expected) throws Exception {
    assertThat(Addresses.hostPort(new InetSocketAddress(InetAddress.getByName(ip), port))).isEqualTo(expected);
  }
}
