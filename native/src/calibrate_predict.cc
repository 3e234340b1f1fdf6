#include "calibrate_predict.h"

#include <casacore/casa/Arrays/Cube.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/ms/MeasurementSets/MSColumns.h>
#include <casacore/tables/Tables/ArrayColumn.h>

#include <array>
#include <cmath>
#include <complex>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "async_worker.h"
#include "calibrate_ms.h"
#include "casacore_lock.h"

namespace contimg {
namespace {

using Vec3 = std::array<double, 3>;
constexpr double kSpeedOfLight = 299792458.0;
constexpr double kTwoPi = 6.283185307179586476925286766559;

struct PredictSpec {
  std::string msPath;
  Vec3 siteItrfM{};
  std::size_t nSources = 0;
  const double* haDecRad = nullptr;  // [nTimes][nSources][2]
  std::size_t haDecLength = 0;
  const float* fluxJy = nullptr;  // [nTimes][nSources][nSpw * nChan]
  std::size_t fluxLength = 0;
  int threads = 1;
};

struct PredictResult {
  std::size_t rows = 0;
  double maxAbsJy = 0;
};

double Dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

Vec3 Cross(const Vec3& a, const Vec3& b) { return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]}; }

Vec3 Unit(const Vec3& a) {
  const double n = std::sqrt(Dot(a, a));
  return {a[0] / n, a[1] / n, a[2] / n};
}

// An orthonormal right-handed frame whose first axis is along a and second in the plane of a and b.
std::array<Vec3, 3> Frame(const Vec3& a, const Vec3& b) {
  const Vec3 e1 = Unit(a);
  const Vec3 e3 = Unit(Cross(a, b));
  return {e1, Cross(e3, e1), e3};
}

// The rotation from Earth-fixed (ITRF) baselines to the MS's (u, v, w) at one integration and
// field, read off two of its baselines: the longest and the one most perpendicular to it. UVW is
// a rotation of xyz(ANTENNA2) - xyz(ANTENNA1), whatever astrometry the writer used for it.
std::array<Vec3, 3> UvwRotation(const MsLayout& layout, const casacore::Matrix<double>& uvw, const std::vector<std::size_t>& rows, const std::string& path) {
  auto baseline = [&](std::size_t r) {
    const auto& p = layout.antennaItrfM[layout.ant2[r]];
    const auto& q = layout.antennaItrfM[layout.ant1[r]];
    return Vec3{p[0] - q[0], p[1] - q[1], p[2] - q[2]};
  };
  std::size_t longest = rows.front();
  for (std::size_t r : rows)
    if (Dot(baseline(r), baseline(r)) > Dot(baseline(longest), baseline(longest))) longest = r;
  const Vec3 a = baseline(longest);
  std::size_t across = longest;
  double best = 0;
  for (std::size_t r : rows) {
    const Vec3 c = Cross(a, baseline(r));
    const double area = Dot(c, c);
    if (area > best) {
      best = area;
      across = r;
    }
  }
  if (best <= 1e-6 * Dot(a, a) * Dot(a, a)) throw std::runtime_error(path + ": the array's baselines are collinear; cannot relate UVW to antenna positions");
  const Vec3 ua = {uvw(0, longest), uvw(1, longest), uvw(2, longest)};
  const Vec3 ub = {uvw(0, across), uvw(1, across), uvw(2, across)};
  const auto earth = Frame(a, baseline(across));
  const auto sky = Frame(ua, ub);
  std::array<Vec3, 3> rotation{};  // rows: the u, v and w axes in ITRF
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) rotation[i][j] = sky[0][i] * earth[0][j] + sky[1][i] * earth[1][j] + sky[2][i] * earth[2][j];
  return rotation;
}

// [nTimes][nFields][nSources] (l, m, n): each source's Earth-fixed direction (its apparent local
// hour angle and declination at the site's longitude) in the MS's (u, v, w) axes.
std::vector<Vec3> SourceLmn(const MsLayout& layout, const casacore::Matrix<double>& uvw, const PredictSpec& spec) {
  const std::size_t nT = layout.times.size(), nF = layout.phaseDirJ2000.size(), nS = spec.nSources;
  std::vector<std::vector<std::size_t>> rows(nT * nF);
  for (std::size_t r = 0; r < layout.nRows; ++r)
    if (layout.ant1[r] != layout.ant2[r]) rows[layout.timeIndex[r] * nF + layout.field[r]].push_back(r);
  const double lon = std::atan2(spec.siteItrfM[1], spec.siteItrfM[0]);
  std::vector<Vec3> lmn(nT * nF * nS);
  for (std::size_t t = 0; t < nT; ++t) {
    for (std::size_t f = 0; f < nF; ++f) {
      if (rows[t * nF + f].empty()) continue;
      const auto rotation = UvwRotation(layout, uvw, rows[t * nF + f], spec.msPath);
      for (std::size_t s = 0; s < nS; ++s) {
        const double h = spec.haDecRad[(t * nS + s) * 2] - lon, d = spec.haDecRad[(t * nS + s) * 2 + 1];
        const Vec3 source = {std::cos(d) * std::cos(h), -std::cos(d) * std::sin(h), std::sin(d)};
        lmn[(t * nF + f) * nS + s] = {Dot(rotation[0], source), Dot(rotation[1], source), Dot(rotation[2], source)};
      }
    }
  }
  return lmn;
}

PredictResult Predict(const PredictSpec& spec) {
  std::unique_ptr<casacore::MeasurementSet> ms;
  MsLayout layout;
  std::vector<Vec3> lmn;
  casacore::Matrix<double> uvw;
  {
    const std::lock_guard<std::mutex> lock(CasacoreMutex());
    ms = std::make_unique<casacore::MeasurementSet>(spec.msPath, casacore::Table::Update);
    layout = ReadMsLayout(*ms, spec.msPath);
    if (!ms->tableDesc().isColumn("MODEL_DATA")) throw std::runtime_error(spec.msPath + ": no MODEL_DATA column");
    const std::size_t expected = layout.times.size() * spec.nSources * layout.nSpw * layout.nChan;
    if (spec.haDecLength != layout.times.size() * spec.nSources * 2) {
      throw std::runtime_error("sourceHaDecRad has " + std::to_string(spec.haDecLength) + " values; the MS's " + std::to_string(layout.times.size()) +
                               " integrations need " + std::to_string(layout.times.size() * spec.nSources * 2));
    }
    if (spec.fluxLength != expected) {
      throw std::runtime_error("fluxJy has " + std::to_string(spec.fluxLength) + " values; the MS needs " + std::to_string(expected) +
                               " (times x sources x SPWs x channels)");
    }
    uvw = casacore::MSMainColumns(*ms).uvw().getColumn();
    lmn = SourceLmn(layout, uvw, spec);
  }
  const std::size_t nS = spec.nSources, nF = layout.phaseDirJ2000.size(), nBand = layout.nSpw * layout.nChan;
  const std::size_t chunk = ChunkRows(layout);
  PredictResult result;
  result.rows = layout.nRows;
  std::mutex maxMutex;
  for (std::size_t row0 = 0; row0 < layout.nRows; row0 += chunk) {
    const std::size_t n = std::min(chunk, layout.nRows - row0);
    casacore::Cube<casacore::Complex> model(layout.nCorr, layout.nChan, n);
    ParallelFor(n, spec.threads, [&](std::size_t begin, std::size_t end) {
      std::vector<std::complex<double>> sum(layout.nChan);
      double localMax = 0;
      for (std::size_t i = begin; i < end; ++i) {
        const std::size_t r = row0 + i;
        const std::size_t t = layout.timeIndex[r], s = layout.spw[r], f = layout.field[r];
        std::fill(sum.begin(), sum.end(), std::complex<double>(0, 0));
        for (std::size_t src = 0; src < nS; ++src) {
          const Vec3& p = lmn[(t * nF + f) * nS + src];
          const double path = uvw(0, r) * p[0] + uvw(1, r) * p[1] + uvw(2, r) * (p[2] - 1.0);
          const float* flux = spec.fluxJy + (t * nS + src) * nBand + s * layout.nChan;
          for (std::size_t k = 0; k < layout.nChan; ++k) {
            sum[k] += static_cast<double>(flux[k]) * std::polar(1.0, kTwoPi * path * layout.chanFreqHz[s][k] / kSpeedOfLight);
          }
        }
        for (std::size_t k = 0; k < layout.nChan; ++k) {
          localMax = std::max(localMax, std::abs(sum[k]));
          for (std::size_t c = 0; c < layout.nCorr; ++c) {
            const bool parallel = layout.receptor[c] >= 0;
            model(c, k, i) = parallel ? casacore::Complex(static_cast<float>(sum[k].real()), static_cast<float>(sum[k].imag())) : casacore::Complex(0, 0);
          }
        }
      }
      const std::lock_guard<std::mutex> lock(maxMutex);
      result.maxAbsJy = std::max(result.maxAbsJy, localMax);
    });
    const std::lock_guard<std::mutex> lock(CasacoreMutex());
    casacore::ArrayColumn<casacore::Complex>(*ms, "MODEL_DATA").putColumnRange(casacore::Slice(row0, n), model);
  }
  const std::lock_guard<std::mutex> lock(CasacoreMutex());
  ms.reset();
  return result;
}

}  // namespace

Napi::Value CalPredict(const Napi::CallbackInfo& info) {
  const Napi::Object js = info[0].As<Napi::Object>();
  auto spec = std::make_shared<PredictSpec>();
  spec->msPath = js.Get("msPath").As<Napi::String>().Utf8Value();
  const Napi::Float64Array site = js.Get("siteItrfM").As<Napi::Float64Array>();
  spec->siteItrfM = {site[0], site[1], site[2]};
  spec->nSources = js.Get("nSources").As<Napi::Number>().Uint32Value();
  const Napi::Float64Array haDec = js.Get("sourceHaDecRad").As<Napi::Float64Array>();
  spec->haDecRad = haDec.Data();
  spec->haDecLength = haDec.ElementLength();
  const Napi::Float32Array flux = js.Get("fluxJy").As<Napi::Float32Array>();
  spec->fluxJy = flux.Data();
  spec->fluxLength = flux.ElementLength();
  spec->threads = js.Get("threads").As<Napi::Number>().Int32Value();
  auto result = std::make_shared<PredictResult>();
  return PromiseWorker::Start(
      info.Env(), "contimg:calPredict", "casacore: ", [spec, result] { *result = Predict(*spec); },
      [result](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("rows", static_cast<double>(result->rows));
        out.Set("maxAbsJy", result->maxAbsJy);
        return out;
      },
      js);
}

}  // namespace contimg
