package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hash functions agree bit for bit with the reference implementations Envoy links: XXH64 (values from the system's
 * libxxhash 0.8.1) and libstdc++'s std::hash&lt;std::string&gt; (values printed by a clang++-19 / libstdc++ program).
 */
class HashFunctionsTest {
  @ParameterizedTest(name = "xxh64(\"{0}\", {1})")
  @CsvSource(delimiter = '|', value = {
      "''                                                   | 0                  | ef46db3751d8e999",
      "a                                                    | 0                  | d24ec4f1a98c6e5b",
      "abc                                                  | 0                  | 44bc2cf5ad770999",
      "127.0.0.1:8080_0                                     | 0                  | f673a43b9624fa24",
      "127.0.0.1:8080                                       | 1                  | a5d6dc0053ab4ed8",
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP | 0                  | 8180c5cf8d7bc97f",
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP | 9e3779b185ebca87   | 489a16bf1399c45b",
  })
  void xxHash64MatchesLibxxhash(String input, String seedHex, String expectedHex) {
    assertThat(XxHash64.hash(input, Long.parseUnsignedLong(seedHex, 16))).isEqualTo(Long.parseUnsignedLong(expectedHex, 16));
  }

  @ParameterizedTest(name = "std::hash(\"{0}\")")
  @CsvSource(delimiter = '|', value = {
      "''                   | 553e93901e462a6e",
      "a                    | 454ddee488c1ed6b",
      "abc                  | 32d82bf8ed3dba39",
      "127.0.0.1:8080_0     | de6d9b1548538b53",
      "0123456789abcdefghij | 41731a65c10a089a",
  })
  void murmurHash2MatchesLibstdcxxStdHash(String input, String expectedHex) {
    assertThat(MurmurHash2.hash(input)).isEqualTo(Long.parseUnsignedLong(expectedHex, 16));
  }
}
