#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace contimg {

// SplitMix64: turns any 64-bit value into a well-mixed one (seeding, hashing indices).
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// xoshiro256+ (Blackman & Vigna): fast, 2^256 - 1 period; its top bits are the good ones.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (auto& word : s_) word = seed = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = s_[0] + s_[3];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = (s_[3] << 45) | (s_[3] >> 19);
    return result;
  }

  // Uniform in (0, 1): 53 top bits, never 0, so log() is safe.
  double Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }

 private:
  std::array<uint64_t, 4> s_{};
};

// Standard normal deviates by Marsaglia & Tsang's ziggurat (J. Stat. Soft. 5(8), 2000), 128 layers.
// The layer index and the 32-bit magnitude come from disjoint bits of one 64-bit draw, which
// avoids the original's correlation between them.
class Ziggurat {
 public:
  Ziggurat() {
    constexpr double kM = 2147483648.0;  // 2^31
    double dn = kR, tn = kR;
    const double q = kV / std::exp(-0.5 * dn * dn);
    kn_[0] = static_cast<uint32_t>((dn / q) * kM);
    kn_[1] = 0;
    wn_[0] = q / kM;
    wn_[127] = dn / kM;
    fn_[0] = 1.0;
    fn_[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(kV / dn + std::exp(-0.5 * dn * dn)));
      kn_[i + 1] = static_cast<uint32_t>((dn / tn) * kM);
      tn = dn;
      fn_[i] = std::exp(-0.5 * dn * dn);
      wn_[i] = dn / kM;
    }
  }

  double Normal(Xoshiro256& rng) const {
    for (;;) {
      const uint64_t bits = rng.Next();
      const int iz = static_cast<int>(bits & 127);
      const auto hz = static_cast<int32_t>(bits >> 32);
      const uint32_t magnitude = hz < 0 ? 0u - static_cast<uint32_t>(hz) : static_cast<uint32_t>(hz);
      const double x = hz * wn_[iz];
      if (magnitude < kn_[iz]) return x;  // inside the layer's rectangle: ~99% of draws
      if (iz == 0) {                      // the tail beyond kR
        double tail, y;
        do {
          tail = -std::log(rng.Uniform()) / kR;
          y = -std::log(rng.Uniform());
        } while (y + y < tail * tail);
        return hz > 0 ? kR + tail : -kR - tail;
      }
      if (fn_[iz] + rng.Uniform() * (fn_[iz - 1] - fn_[iz]) < std::exp(-0.5 * x * x)) return x;
    }
  }

 private:
  static constexpr double kR = 3.442619855899;        // start of the tail
  static constexpr double kV = 9.91256303526217e-3;   // area of each layer
  std::array<uint32_t, 128> kn_{};
  std::array<double, 128> wn_{};
  std::array<double, 128> fn_{};
};

}  // namespace contimg
