#include "source_finder.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <numeric>
#include <vector>

#include "async_worker.h"

namespace contimg {
namespace {

constexpr double kMadToSigma = 1.482602218505602;
constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A mesh box with fewer finite pixels than this has no statistics of its own (blank pbcor edges).
constexpr std::size_t kMinBoxPixels = 32;
constexpr int kParamsPerComponent = 6;  // amplitude, x0, y0, ln σx, ln σy, θ

struct FindSpec {
  const float* data = nullptr;
  std::size_t nx = 0, ny = 0;
  // The restoring beam in the pixel frame: σ along its major and minor axes, and the angle of
  // the major axis from +x towards +y. Initial guesses and the deblending scale.
  double beamSigmaMajorPx = 1, beamSigmaMinorPx = 1, beamThetaRad = 0;
  double seedSigma = 5, floodSigma = 3;
  std::size_t boxPx = 64, stepPx = 16;
  int maxComponents = 4;
  int threads = 1;
};

struct Component {
  std::size_t island = 0;
  double amplitude = 0, x = 0, y = 0, sigmaMajorPx = 0, sigmaMinorPx = 0, thetaRad = 0;
  double background = 0, rms = 0, chi2PerDof = 0;
  int components = 1;  // in the island's fit
  bool fitted = true;  // false: the fit failed, values are the island's peak pixel and the beam
};

struct FindResult {
  std::vector<float> background, rms;
  std::vector<Component> components;
  std::size_t islands = 0;
};

// ---- background and noise: sigma-clipped median and MAD over boxes on a mesh, bilinear in between ----

double MedianInPlace(std::vector<float>& v) {
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Median and σ (1.4826 · MAD) of `values`, clipping at 3σ until nothing more is clipped.
bool ClippedStats(std::vector<float>& values, std::vector<float>& scratch, double& median, double& sigma) {
  for (int iteration = 0; iteration < 10; ++iteration) {
    if (values.size() < kMinBoxPixels) return false;
    median = MedianInPlace(values);
    scratch.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) scratch[i] = static_cast<float>(std::fabs(values[i] - median));
    sigma = kMadToSigma * MedianInPlace(scratch);
    if (!(sigma > 0)) return sigma == 0;
    const double low = median - 3 * sigma, high = median + 3 * sigma;
    const std::size_t before = values.size();
    values.erase(std::remove_if(values.begin(), values.end(), [&](float v) { return v < low || v > high; }), values.end());
    if (values.size() == before) return true;
  }
  return true;
}

// Mesh node coordinates along one axis: every `step` pixels, and the last pixel.
std::vector<std::size_t> MeshNodes(std::size_t n, std::size_t step) {
  std::vector<std::size_t> nodes;
  for (std::size_t p = 0; p + 1 < n; p += step) nodes.push_back(p);
  nodes.push_back(n - 1);
  return nodes;
}

// Nodes without statistics take the mean of their neighbours that have some, ring by ring.
void FillBlankNodes(std::vector<double>& grid, std::size_t gx, std::size_t gy) {
  bool any = std::any_of(grid.begin(), grid.end(), [](double v) { return std::isfinite(v); });
  if (!any) return;
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<double> next = grid;
    for (std::size_t j = 0; j < gy; ++j) {
      for (std::size_t i = 0; i < gx; ++i) {
        if (std::isfinite(grid[j * gx + i])) continue;
        double sum = 0;
        int count = 0;
        for (std::size_t jj = j > 0 ? j - 1 : 0; jj <= std::min(gy - 1, j + 1); ++jj) {
          for (std::size_t ii = i > 0 ? i - 1 : 0; ii <= std::min(gx - 1, i + 1); ++ii) {
            if (std::isfinite(grid[jj * gx + ii])) sum += grid[jj * gx + ii], ++count;
          }
        }
        if (count > 0) next[j * gx + i] = sum / count, changed = true;
      }
    }
    grid.swap(next);
  }
}

// The node interval holding p and the fraction of the way across it.
void Locate(const std::vector<std::size_t>& nodes, std::size_t p, std::size_t& k, double& t) {
  if (nodes.size() == 1) {
    k = 0, t = 0;
    return;
  }
  k = static_cast<std::size_t>(std::upper_bound(nodes.begin(), nodes.end(), p) - nodes.begin());
  k = std::min(k == 0 ? 0 : k - 1, nodes.size() - 2);
  t = static_cast<double>(p - nodes[k]) / static_cast<double>(nodes[k + 1] - nodes[k]);
}

void BackgroundMaps(const FindSpec& spec, FindResult& result) {
  const auto xs = MeshNodes(spec.nx, spec.stepPx), ys = MeshNodes(spec.ny, spec.stepPx);
  const std::size_t gx = xs.size(), gy = ys.size(), half = spec.boxPx / 2;
  // At most ~64 × 64 samples per box: the noise is correlated over the beam anyway, and a full-size
  // image's boxes hold tens of thousands of pixels each.
  const std::size_t stride = std::max<std::size_t>(1, (spec.boxPx + 63) / 64);
  std::vector<double> bgGrid(gx * gy, kNaN), rmsGrid(gx * gy, kNaN);
  ParallelFor(gx * gy, spec.threads, [&](std::size_t begin, std::size_t end) {
    std::vector<float> values, scratch;
    for (std::size_t node = begin; node < end; ++node) {
      const std::size_t cx = xs[node % gx], cy = ys[node / gx];
      values.clear();
      for (std::size_t y = cy > half ? cy - half : 0; y <= std::min(spec.ny - 1, cy + half); y += stride) {
        const float* row = spec.data + y * spec.nx;
        for (std::size_t x = cx > half ? cx - half : 0; x <= std::min(spec.nx - 1, cx + half); x += stride) {
          if (std::isfinite(row[x])) values.push_back(row[x]);
        }
      }
      double median = kNaN, sigma = kNaN;
      if (ClippedStats(values, scratch, median, sigma) && sigma > 0) bgGrid[node] = median, rmsGrid[node] = sigma;
    }
  });
  FillBlankNodes(bgGrid, gx, gy);
  FillBlankNodes(rmsGrid, gx, gy);

  result.background.assign(spec.nx * spec.ny, NAN);
  result.rms.assign(spec.nx * spec.ny, NAN);
  ParallelFor(spec.ny, spec.threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t y = begin; y < end; ++y) {
      std::size_t ky;
      double ty;
      Locate(ys, y, ky, ty);
      const std::size_t ky1 = std::min(ky + 1, gy - 1);
      for (std::size_t x = 0; x < spec.nx; ++x) {
        if (!std::isfinite(spec.data[y * spec.nx + x])) continue;
        std::size_t kx;
        double tx;
        Locate(xs, x, kx, tx);
        const std::size_t kx1 = std::min(kx + 1, gx - 1);
        auto at = [&](const std::vector<double>& g) {
          return (1 - ty) * ((1 - tx) * g[ky * gx + kx] + tx * g[ky * gx + kx1]) + ty * ((1 - tx) * g[ky1 * gx + kx] + tx * g[ky1 * gx + kx1]);
        };
        result.background[y * spec.nx + x] = static_cast<float>(at(bgGrid));
        result.rms[y * spec.nx + x] = static_cast<float>(at(rmsGrid));
      }
    }
  });
}

// ---- islands: seeds above seedSigma grown (8-connected) through pixels above floodSigma ----

struct Island {
  std::vector<std::size_t> pixels;
  std::size_t x0, y0, x1, y1;  // bounding box, inclusive
};

double Snr(const FindSpec& spec, const FindResult& r, std::size_t i) {
  const double rms = r.rms[i];
  return rms > 0 ? (spec.data[i] - r.background[i]) / rms : kNaN;
}

std::vector<Island> FindIslands(const FindSpec& spec, const FindResult& r, std::vector<std::int32_t>& label) {
  std::vector<Island> islands;
  label.assign(spec.nx * spec.ny, 0);
  std::deque<std::size_t> queue;
  for (std::size_t seed = 0; seed < label.size(); ++seed) {
    if (label[seed] != 0 || !(Snr(spec, r, seed) >= spec.seedSigma)) continue;
    Island island{{}, spec.nx, spec.ny, 0, 0};
    const auto id = static_cast<std::int32_t>(islands.size() + 1);
    label[seed] = id;
    queue.push_back(seed);
    while (!queue.empty()) {
      const std::size_t p = queue.front();
      queue.pop_front();
      island.pixels.push_back(p);
      const std::size_t px = p % spec.nx, py = p / spec.nx;
      island.x0 = std::min(island.x0, px), island.x1 = std::max(island.x1, px);
      island.y0 = std::min(island.y0, py), island.y1 = std::max(island.y1, py);
      for (std::size_t y = py > 0 ? py - 1 : 0; y <= std::min(spec.ny - 1, py + 1); ++y) {
        for (std::size_t x = px > 0 ? px - 1 : 0; x <= std::min(spec.nx - 1, px + 1); ++x) {
          const std::size_t q = y * spec.nx + x;
          if (label[q] == 0 && Snr(spec, r, q) >= spec.floodSigma) label[q] = id, queue.push_back(q);
        }
      }
    }
    islands.push_back(std::move(island));
  }
  return islands;
}

// ---- fitting: a sum of elliptical Gaussians to an island and its surroundings, GSL trust-region LM ----

struct FitData {
  std::vector<double> x, y, value, sigma;  // value and sigma in units of the island's peak
  int components = 1;
};

// One component's parameters with its trigonometry and 1/σ² worked out once per evaluation.
struct Shape {
  double amplitude, x0, y0, cos, sin, ax, ay;  // ax = 1/σx², ay = 1/σy²
};

Shape ShapeOf(const gsl_vector* p, int k) {
  const double* q = gsl_vector_const_ptr(p, static_cast<std::size_t>(k * kParamsPerComponent));
  return {q[0], q[1], q[2], std::cos(q[5]), std::sin(q[5]), std::exp(-2 * q[3]), std::exp(-2 * q[4])};
}

int Residuals(const gsl_vector* p, void* opaque, gsl_vector* f) {
  const auto& d = *static_cast<const FitData*>(opaque);
  std::vector<Shape> shapes;
  for (int k = 0; k < d.components; ++k) shapes.push_back(ShapeOf(p, k));
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    double model = 0;
    for (const Shape& g : shapes) {
      const double dx = d.x[i] - g.x0, dy = d.y[i] - g.y0;
      const double u = dx * g.cos + dy * g.sin, v = -dx * g.sin + dy * g.cos;
      model += g.amplitude * std::exp(-0.5 * (u * u * g.ax + v * v * g.ay));
    }
    gsl_vector_set(f, i, (model - d.value[i]) / d.sigma[i]);
  }
  return GSL_SUCCESS;
}

int Jacobian(const gsl_vector* p, void* opaque, gsl_matrix* jac) {
  const auto& d = *static_cast<const FitData*>(opaque);
  std::vector<Shape> shapes;
  for (int k = 0; k < d.components; ++k) shapes.push_back(ShapeOf(p, k));
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    for (int k = 0; k < d.components; ++k) {
      const std::size_t col = static_cast<std::size_t>(k * kParamsPerComponent);
      const Shape& sh = shapes[static_cast<std::size_t>(k)];
      const double dx = d.x[i] - sh.x0, dy = d.y[i] - sh.y0, c = sh.cos, s = sh.sin, ax = sh.ax, ay = sh.ay;
      const double u = dx * c + dy * s, v = -dx * s + dy * c;
      const double e = std::exp(-0.5 * (u * u * ax + v * v * ay)) / d.sigma[i], g = sh.amplitude * e;
      gsl_matrix_set(jac, i, col + 0, e);
      gsl_matrix_set(jac, i, col + 1, g * (u * c * ax - v * s * ay));
      gsl_matrix_set(jac, i, col + 2, g * (u * s * ax + v * c * ay));
      gsl_matrix_set(jac, i, col + 3, g * u * u * ax);
      gsl_matrix_set(jac, i, col + 4, g * v * v * ay);
      gsl_matrix_set(jac, i, col + 5, -g * u * v * (ax - ay));
    }
  }
  return GSL_SUCCESS;
}

constexpr int kMaxIterations = 100;
// Far inside a fit's errors: Δχ² = 1 bounds the 1σ region, and χ² is about the number of pixels fitted.
constexpr double kChi2Tolerance = 1e-6;

double Chi2(gsl_multifit_nlinear_workspace* w) {
  const double norm = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w));
  return norm * norm;
}

struct WorkspaceFree {
  void operator()(gsl_multifit_nlinear_workspace* w) const { gsl_multifit_nlinear_free(w); }
};

// Fits `d.components` Gaussians from `start`; false when GSL fails.
bool FitGaussians(FitData& d, std::vector<double>& params, double& chi2) {
  const std::size_t n = d.x.size(), p = params.size();
  if (n <= p) return false;
  gsl_multifit_nlinear_parameters settings = gsl_multifit_nlinear_default_parameters();
  settings.trs = gsl_multifit_nlinear_trs_lm;
  // Thousands of pixels against a few parameters: the normal equations are well conditioned and far cheaper than QR.
  settings.solver = gsl_multifit_nlinear_solver_cholesky;
  std::unique_ptr<gsl_multifit_nlinear_workspace, WorkspaceFree> w(gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &settings, n, p));
  if (!w) return false;
  gsl_multifit_nlinear_fdf fdf{};
  fdf.f = Residuals;
  fdf.df = Jacobian;
  fdf.fvv = nullptr;
  fdf.n = n;
  fdf.p = p;
  fdf.params = &d;
  gsl_vector_view start = gsl_vector_view_array(params.data(), p);
  if (gsl_multifit_nlinear_init(&start.vector, &fdf, w.get()) != GSL_SUCCESS) return false;
  // GSL's driver stops on its step and gradient tests alone. On an image, whose residuals are sidelobes
  // and correlated noise rather than white noise, LM creeps towards those for a hundred iterations
  // and more while χ² no longer moves, so an iteration that lowers χ² by less than kChi2Tolerance of
  // it also ends the fit; running out of iterations keeps the best point so far.
  chi2 = Chi2(w.get());
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    const int step = gsl_multifit_nlinear_iterate(w.get());
    if (step == GSL_ENOPROG) break;  // no step lowers χ² any more
    if (step != GSL_SUCCESS) return false;
    const double previous = chi2;
    chi2 = Chi2(w.get());
    int reason = 0;
    if (gsl_multifit_nlinear_test(1e-8, 1e-8, 0, &reason, w.get()) == GSL_SUCCESS || previous - chi2 <= kChi2Tolerance * chi2) break;
  }
  const gsl_vector* best = gsl_multifit_nlinear_position(w.get());
  for (std::size_t i = 0; i < p; ++i) params[i] = gsl_vector_get(best, i);
  return true;
}

struct Peak {
  std::size_t pixel;
  double value;
};

// The island's local maxima above the seed threshold, brightest first: a pixel that no pixel
// within `radius` exceeds (a beam-scale window, so noise on a bright source's flank is not a peak).
std::vector<Peak> IslandPeaks(const FindSpec& spec, const FindResult& r, const Island& island) {
  const std::size_t radius = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(spec.beamSigmaMinorPx)));
  std::vector<Peak> peaks;
  for (const std::size_t p : island.pixels) {
    const double value = spec.data[p] - r.background[p];
    if (!(Snr(spec, r, p) >= spec.seedSigma)) continue;
    const std::size_t px = p % spec.nx, py = p / spec.nx;
    bool isMax = true;
    for (std::size_t y = py > radius ? py - radius : 0; isMax && y <= std::min(spec.ny - 1, py + radius); ++y) {
      for (std::size_t x = px > radius ? px - radius : 0; x <= std::min(spec.nx - 1, px + radius); ++x) {
        const std::size_t q = y * spec.nx + x;
        if (std::isfinite(spec.data[q]) && spec.data[q] - r.background[q] > value) {
          isMax = false;
          break;
        }
      }
    }
    if (isMax) peaks.push_back({p, value});
  }
  std::sort(peaks.begin(), peaks.end(), [](const Peak& a, const Peak& b) { return a.value > b.value; });
  return peaks;
}

// Puts σx ≥ σy and θ in [0, π).
void Normalise(Component& c) {
  if (c.sigmaMinorPx > c.sigmaMajorPx) std::swap(c.sigmaMajorPx, c.sigmaMinorPx), c.thetaRad += kPi / 2;
  c.thetaRad = std::fmod(c.thetaRad, kPi);
  if (c.thetaRad < 0) c.thetaRad += kPi;
}

// The pixels a fit of an island sees: its bounding box grown by a beam, so that the fit sees the
// sources' wings below the flood threshold (fitting only the pixels above it would bias faint sources
// up), but only within `window` of the peaks being fitted, so that a large island of sidelobes or
// extended emission costs a few beams' worth of pixels, not its whole box. Other islands' pixels are left out.
struct FitRegion {
  FitData data;
  std::size_t x0, y0, x1, y1;  // bounding box of the pixels, inclusive
};

FitRegion FitRegionOf(const FindSpec& spec, const FindResult& r, const std::vector<std::int32_t>& label, const Island& island, std::int32_t id,
                      const std::vector<Peak>& peaks, std::size_t count, double scale) {
  const auto margin = static_cast<std::size_t>(std::ceil(2.3548 * spec.beamSigmaMajorPx));
  const auto window = 4 * margin;
  const std::size_t bx0 = island.x0 > margin ? island.x0 - margin : 0, bx1 = std::min(spec.nx - 1, island.x1 + margin);
  const std::size_t by0 = island.y0 > margin ? island.y0 - margin : 0, by1 = std::min(spec.ny - 1, island.y1 + margin);
  struct Box {
    std::size_t x0, y0, x1, y1;
    bool Holds(std::size_t x, std::size_t y) const { return x >= x0 && x <= x1 && y >= y0 && y <= y1; }
  };
  std::vector<Box> boxes;
  for (std::size_t c = 0; c < count; ++c) {
    const std::size_t px = peaks[c].pixel % spec.nx, py = peaks[c].pixel / spec.nx;
    boxes.push_back({std::max(bx0, px > window ? px - window : 0), std::max(by0, py > window ? py - window : 0), std::min(bx1, px + window), std::min(by1, py + window)});
  }
  FitRegion region{{}, bx1, by1, bx0, by0};
  for (std::size_t c = 0; c < boxes.size(); ++c) {
    const Box& box = boxes[c];
    for (std::size_t y = box.y0; y <= box.y1; ++y) {
      for (std::size_t x = box.x0; x <= box.x1; ++x) {
        const std::size_t q = y * spec.nx + x;
        if ((label[q] != 0 && label[q] != id) || !std::isfinite(spec.data[q]) || !(r.rms[q] > 0)) continue;
        if (std::any_of(boxes.begin(), boxes.begin() + static_cast<std::ptrdiff_t>(c), [&](const Box& earlier) { return earlier.Holds(x, y); })) continue;
        region.data.x.push_back(static_cast<double>(x));
        region.data.y.push_back(static_cast<double>(y));
        region.data.value.push_back((spec.data[q] - r.background[q]) / scale);
        region.data.sigma.push_back(r.rms[q] / scale);
        region.x0 = std::min(region.x0, x), region.x1 = std::max(region.x1, x);
        region.y0 = std::min(region.y0, y), region.y1 = std::max(region.y1, y);
      }
    }
  }
  return region;
}

std::vector<Component> FitIsland(const FindSpec& spec, const FindResult& r, const std::vector<std::int32_t>& label, const Island& island, std::size_t index) {
  const auto id = static_cast<std::int32_t>(index + 1);
  const std::size_t top = std::max_element(island.pixels.begin(), island.pixels.end(), [&](std::size_t a, std::size_t b) {
                            return spec.data[a] - r.background[a] < spec.data[b] - r.background[b];
                          })[0];
  const double scale = spec.data[top] - r.background[top];
  std::vector<Peak> peaks = IslandPeaks(spec, r, island);
  if (peaks.empty()) peaks.push_back({top, scale});
  const int most = std::min<int>(spec.maxComponents, static_cast<int>(peaks.size()));
  FitRegion region = FitRegionOf(spec, r, label, island, id, peaks, static_cast<std::size_t>(most), scale);
  FitData& d = region.data;
  const std::size_t x0 = region.x0, x1 = region.x1, y0 = region.y0, y1 = region.y1;

  for (int k = most; k >= 1; --k) {
    d.components = k;
    std::vector<double> params;
    for (int c = 0; c < k; ++c) {
      const std::size_t p = peaks[static_cast<std::size_t>(c)].pixel;
      params.insert(params.end(), {peaks[static_cast<std::size_t>(c)].value / scale, static_cast<double>(p % spec.nx), static_cast<double>(p / spec.nx),
                                   std::log(spec.beamSigmaMajorPx), std::log(spec.beamSigmaMinorPx), spec.beamThetaRad});
    }
    double chi2 = 0;
    if (!FitGaussians(d, params, chi2)) continue;
    std::vector<Component> out;
    for (int c = 0; c < k; ++c) {
      const double* q = params.data() + c * kParamsPerComponent;
      Component comp;
      comp.island = index;
      comp.amplitude = q[0] * scale;
      comp.x = q[1], comp.y = q[2];
      comp.sigmaMajorPx = std::exp(q[3]), comp.sigmaMinorPx = std::exp(q[4]), comp.thetaRad = q[5];
      comp.components = k;
      comp.chi2PerDof = chi2 / static_cast<double>(d.x.size() - params.size());
      const bool inside = comp.x >= static_cast<double>(x0) && comp.x <= static_cast<double>(x1) && comp.y >= static_cast<double>(y0) && comp.y <= static_cast<double>(y1);
      if (!inside) break;
      const std::size_t pixel = std::min(spec.ny - 1, static_cast<std::size_t>(std::lround(comp.y))) * spec.nx + std::min(spec.nx - 1, static_cast<std::size_t>(std::lround(comp.x)));
      comp.background = r.background[pixel], comp.rms = r.rms[pixel];
      // A component narrower than a fifth of the beam, wider than the fitted box, or fainter than the
      // flood threshold is noise or a smear of sidelobes, not a source: the fit is retried with fewer.
      const double widest = static_cast<double>(std::max(x1 - x0, y1 - y0) + 1);
      const bool sane = std::isfinite(comp.amplitude) && comp.amplitude >= spec.floodSigma * comp.rms && std::min(comp.sigmaMajorPx, comp.sigmaMinorPx) > 0.2 * spec.beamSigmaMinorPx &&
                        std::max(comp.sigmaMajorPx, comp.sigmaMinorPx) < widest;
      if (!sane) break;
      Normalise(comp);
      out.push_back(comp);
    }
    if (out.size() == static_cast<std::size_t>(k)) return out;
  }
  Component fallback;
  fallback.island = index;
  fallback.amplitude = scale;
  fallback.x = static_cast<double>(top % spec.nx), fallback.y = static_cast<double>(top / spec.nx);
  fallback.sigmaMajorPx = spec.beamSigmaMajorPx, fallback.sigmaMinorPx = spec.beamSigmaMinorPx, fallback.thetaRad = spec.beamThetaRad;
  fallback.background = r.background[top], fallback.rms = r.rms[top], fallback.chi2PerDof = kNaN;
  fallback.fitted = false;
  Normalise(fallback);
  return {fallback};
}

FindResult Find(const FindSpec& spec) {
  FindResult result;
  BackgroundMaps(spec, result);
  std::vector<std::int32_t> label;
  const std::vector<Island> islands = FindIslands(spec, result, label);
  result.islands = islands.size();
  std::vector<std::vector<Component>> perIsland(islands.size());
  // Biggest first, so that no thread is left with a large island after the others have finished.
  std::vector<std::size_t> order(islands.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return islands[a].pixels.size() > islands[b].pixels.size(); });
  ParallelForEach(order.size(), spec.threads, [&](std::size_t k) { perIsland[order[k]] = FitIsland(spec, result, label, islands[order[k]], order[k]); });
  for (auto& list : perIsland) result.components.insert(result.components.end(), list.begin(), list.end());
  return result;
}

Napi::Float32Array ToJs(Napi::Env env, const std::vector<float>& values) {
  Napi::Float32Array array = Napi::Float32Array::New(env, values.size());
  std::memcpy(array.Data(), values.data(), values.size() * sizeof(float));
  return array;
}

}  // namespace

Napi::Value SourceFind(const Napi::CallbackInfo& info) {
  // GSL's default handler aborts the process; the fits check every status instead.
  gsl_set_error_handler_off();
  const Napi::Object js = info[0].As<Napi::Object>();
  auto spec = std::make_shared<FindSpec>();
  const Napi::Float32Array data = js.Get("data").As<Napi::Float32Array>();
  spec->data = data.Data();
  spec->nx = js.Get("nx").As<Napi::Number>().Uint32Value();
  spec->ny = js.Get("ny").As<Napi::Number>().Uint32Value();
  spec->beamSigmaMajorPx = js.Get("beamSigmaMajorPx").As<Napi::Number>().DoubleValue();
  spec->beamSigmaMinorPx = js.Get("beamSigmaMinorPx").As<Napi::Number>().DoubleValue();
  spec->beamThetaRad = js.Get("beamThetaRad").As<Napi::Number>().DoubleValue();
  spec->seedSigma = js.Get("seedSigma").As<Napi::Number>().DoubleValue();
  spec->floodSigma = js.Get("floodSigma").As<Napi::Number>().DoubleValue();
  spec->boxPx = js.Get("boxPx").As<Napi::Number>().Uint32Value();
  spec->stepPx = js.Get("stepPx").As<Napi::Number>().Uint32Value();
  spec->maxComponents = js.Get("maxComponents").As<Napi::Number>().Int32Value();
  spec->threads = js.Get("threads").As<Napi::Number>().Int32Value();
  auto result = std::make_shared<FindResult>();
  return PromiseWorker::Start(
      info.Env(), "contimg:sourceFind", "sourceFind: ", [spec, result] { *result = Find(*spec); },
      [result](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("background", ToJs(env, result->background));
        out.Set("rms", ToJs(env, result->rms));
        out.Set("islands", static_cast<double>(result->islands));
        Napi::Array list = Napi::Array::New(env, result->components.size());
        for (std::size_t i = 0; i < result->components.size(); ++i) {
          const Component& c = result->components[i];
          Napi::Object o = Napi::Object::New(env);
          o.Set("island", static_cast<double>(c.island));
          o.Set("amplitude", c.amplitude);
          o.Set("x", c.x);
          o.Set("y", c.y);
          o.Set("sigmaMajorPx", c.sigmaMajorPx);
          o.Set("sigmaMinorPx", c.sigmaMinorPx);
          o.Set("thetaRad", c.thetaRad);
          o.Set("background", c.background);
          o.Set("rms", c.rms);
          o.Set("chi2PerDof", c.chi2PerDof);
          o.Set("components", c.components);
          o.Set("fitted", c.fitted);
          list.Set(static_cast<uint32_t>(i), o);
        }
        out.Set("components", list);
        return out;
      },
      js);
}

}  // namespace contimg
