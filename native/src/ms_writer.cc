#include "ms_writer.h"

#include "async_worker.h"
#include "casacore_lock.h"
#include "table_writes.h"

#include <erfa.h>
#include <erfam.h>

#include <casacore/casa/Arrays/Cube.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/ms/MeasurementSets/MSColumns.h>
#include <casacore/ms/MeasurementSets/MeasurementSet.h>
#include <casacore/tables/DataMan/IncrementalStMan.h>
#include <casacore/tables/DataMan/StandardStMan.h>
#include <casacore/tables/DataMan/TiledColumnStMan.h>
#include <casacore/tables/Tables/ArrColDesc.h>
#include <casacore/tables/Tables/SetupNewTab.h>
#include <casacore/tables/Tables/TableDesc.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace contimg {
namespace {

using casacore::Bool;
using casacore::Complex;
using casacore::IPosition;
using casacore::Slice;
using Vec3 = std::array<double, 3>;

constexpr double kSpeedOfLight = 299792458.0;
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kSecondsPerDay = 86400.0;
// Offset towards J2000 north used to find the direction of J2000 north in the apparent frame.
constexpr double kNorthStepRad = 1e-5;

// Everything msCreate needs, copied out of the JS spec on the main thread.
struct CreateSpec {
  std::string path;
  std::vector<std::string> antennaNames;
  std::vector<double> antennaItrfM;  // [nAnt, 3]
  double dishDiameterM = 0;
  Vec3 siteItrfM{};
  std::vector<int32_t> ant1, ant2;  // [nBls] antenna-table indices
  std::vector<std::vector<double>> spwFreqHz;  // ascending, MS order
  std::vector<bool> spwDescending;  // the file's channel order
  std::vector<std::string> spwNames;
  double channelWidthHz = 0;
  std::vector<int32_t> corrTypes;
  double pointingDecAppRad = 0;
  double midTimeMjdS = 0;
  double integrationS = 0;
  double timeStartMjdS = 0, timeEndMjdS = 0;
  std::string telescopeName, fieldName, observer, project;
  std::vector<std::string> history;
};

double Dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

// The Earth-fixed (ITRF, polar motion neglected) unit vector of local hour angle h (positive west)
// and declination d at a site of east longitude lon: Greenwich hour angle H = h − lon,
// (cos d cos H, −cos d sin H, sin d) (Thompson, Moran & Swenson eq. 4.1).
Vec3 HaDecToItrf(double h, double d, double lonRad) {
  const double gha = h - lonRad;
  return {std::cos(d) * std::cos(gha), -std::cos(d) * std::sin(gha), std::sin(d)};
}

class MsState {
 public:
  MsState() = default;
  MsState(const MsState&) = delete;
  MsState& operator=(const MsState&) = delete;
  // An MS not closed (its handle dropped, or its creation failed) is given up, not written.
  ~MsState() { Discard(); }

  // Closes the MS without writing it. casacore writes out its file buffers as it closes a table,
  // given up or not, and a write failing there (a full disk) ends the process: the MS's files are
  // emptied first, which gives back the space the MS took.
  void Discard() noexcept {
    const std::lock_guard<std::mutex> lock(CasacoreMutex());
    closed = true;
    if (!ms) return;
    DoNotWriteTable(*ms);
    std::error_code ignored;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(spec.path, ignored)) {
      if (entry.is_regular_file(ignored)) std::filesystem::resize_file(entry.path(), 0, ignored);
    }
    cols.reset();
    ms.reset();
  }

  std::unique_ptr<casacore::MeasurementSet> ms;
  std::unique_ptr<casacore::MSMainColumns> cols;
  CreateSpec spec;
  std::size_t nAnt = 0, nBls = 0, nSpw = 0, nChan = 0, nPol = 0;
  double siteLonRad = 0;
  double siteLatRad = 0, siteHeightM = 0;  // WGS84 geodetic
  double centreRaRad = 0, centreDecRad = 0;  // J2000
  Vec3 oldCentre{};                          // the raw data's (meridian) centre, Earth-fixed
  std::vector<Vec3> antennaRel;              // antenna − site, ITRF m
  casacore::Cube<Complex> model;             // 1 + 0j in the parallel hands
  std::uint64_t rows = 0;
  bool closed = false;
};

// Topocentric hour angle and declination of a J2000 (FK5) direction at UTC mjdS, as ERFA (and so
// astropy and pyuvdata) compute them: annual and diurnal aberration, light deflection, precession-
// nutation; no refraction (the visibilities are not refracted). UT1 = UTC and no polar motion, as
// casacore does without IERS tables.
std::pair<double, double> ObservedHaDec(const MsState& state, double raJ2000, double decJ2000, double mjdS) {
  double ra = 0, dec = 0, dra = 0, ddec = 0, px = 0, rv = 0;
  eraFk52h(raJ2000, decJ2000, 0, 0, 0, 0, &ra, &dec, &dra, &ddec, &px, &rv);
  double azimuth = 0, zenith = 0, ha = 0, decObserved = 0, raObserved = 0, eo = 0;
  const int status = eraAtco13(ra, dec, 0, 0, 0, 0, 2400000.5, mjdS / kSecondsPerDay, 0, state.siteLonRad, state.siteLatRad,
                               state.siteHeightM, 0, 0, 0, 0, 0, 0, &azimuth, &zenith, &ha, &decObserved, &raObserved, &eo);
  if (status < 0) throw std::runtime_error("ERFA cannot place the phase centre at MJD " + std::to_string(mjdS / kSecondsPerDay));
  return {ha, decObserved};
}

// The J2000 (FK5) direction of observed hour angle 0 at declination decApp at UTC mjdS: the inverse.
std::pair<double, double> MeridianToJ2000(const MsState& state, double mjdS, double decApp) {
  double ra = 0, dec = 0;
  const int status = eraAtoc13("H", 0, decApp, 2400000.5, mjdS / kSecondsPerDay, 0, state.siteLonRad, state.siteLatRad,
                               state.siteHeightM, 0, 0, 0, 0, 0, 0, &ra, &dec);
  if (status < 0) throw std::runtime_error("ERFA cannot place the meridian at MJD " + std::to_string(mjdS / kSecondsPerDay));
  double raJ2000 = 0, decJ2000 = 0, dra = 0, ddec = 0, px = 0, rv = 0;
  eraH2fk5(ra, dec, 0, 0, 0, 0, &raJ2000, &decJ2000, &dra, &ddec, &px, &rv);
  return {eraAnp(raJ2000), decJ2000};
}

void CreateMs(MsState& state) {
  using casacore::MS;
  const CreateSpec& spec = state.spec;
  const IPosition cell(2, static_cast<ssize_t>(state.nPol), static_cast<ssize_t>(state.nChan));

  casacore::TableDesc td = MS::requiredTableDesc();
  MS::addColumnToDesc(td, MS::DATA, 2);
  MS::addColumnToDesc(td, MS::MODEL_DATA, 2);
  MS::addColumnToDesc(td, MS::CORRECTED_DATA, 2);
  MS::addColumnToDesc(td, MS::WEIGHT_SPECTRUM, 2);
  for (const char* name : {"DATA", "MODEL_DATA", "CORRECTED_DATA", "FLAG", "WEIGHT_SPECTRUM"}) {
    td.rwColumnDesc(name).setShape(cell);
  }
  td.rwColumnDesc("WEIGHT").setShape(IPosition(1, static_cast<ssize_t>(state.nPol)));
  td.rwColumnDesc("SIGMA").setShape(IPosition(1, static_cast<ssize_t>(state.nPol)));

  casacore::SetupNewTable setup(spec.path, td, casacore::Table::New);
  casacore::StandardStMan standard("SSM", 32768);
  setup.bindAll(standard);
  casacore::IncrementalStMan incremental("ISM");
  for (const char* name : {"ARRAY_ID", "DATA_DESC_ID", "EXPOSURE", "FEED1", "FEED2", "FIELD_ID", "INTERVAL",
                           "OBSERVATION_ID", "PROCESSOR_ID", "SCAN_NUMBER", "STATE_ID", "TIME", "TIME_CENTROID"}) {
    setup.bindColumn(name, incremental);
  }
  // Tiles of up to ~1 MB of whole rows (toolchain-facts §2: the fastest manager measured here), with
  // a row count that divides nBls: each put of one SPW's block then fills whole tiles, so no tile is
  // written twice or read back.
  const std::size_t rowBytes = state.nPol * state.nChan * sizeof(Complex);
  const std::size_t maxRows = std::max<std::size_t>(1, (1u << 20) / rowBytes);
  std::size_t tileRows = 1;
  for (std::size_t d = 1; d <= std::min(maxRows, state.nBls); ++d) {
    if (state.nBls % d == 0) tileRows = d;
  }
  const ssize_t rowsPerTile = static_cast<ssize_t>(tileRows);
  for (const char* name : {"DATA", "MODEL_DATA", "CORRECTED_DATA", "FLAG", "WEIGHT_SPECTRUM"}) {
    casacore::TiledColumnStMan tiled(std::string("Tiled") + name, IPosition(3, cell[0], cell[1], rowsPerTile));
    setup.bindColumn(name, tiled);
  }
  // WEIGHT and SIGMA tiled too, a tile per SPW block: in the StandardStMan they are indirect
  // arrays, a separate lookup per row, and reading SIGMA and writing WEIGHT cost the apply of a
  // full-size group 0.4 s of CPU more (measured).
  for (const char* name : {"WEIGHT", "SIGMA"}) {
    casacore::TiledColumnStMan tiled(std::string("Tiled") + name, IPosition(2, cell[0], static_cast<ssize_t>(state.nBls)));
    setup.bindColumn(name, tiled);
  }

  state.ms = std::make_unique<casacore::MeasurementSet>(setup, 0);
  casacore::MeasurementSet& ms = *state.ms;
  ms.createDefaultSubtables(casacore::Table::New);
  casacore::MSColumns cols(ms);

  // ANTENNA
  ms.antenna().addRow(state.nAnt);
  for (std::size_t a = 0; a < state.nAnt; ++a) {
    const casacore::rownr_t r = a;
    cols.antenna().name().put(r, spec.antennaNames[a]);
    cols.antenna().station().put(r, spec.antennaNames[a]);
    cols.antenna().type().put(r, "GROUND-BASED");
    cols.antenna().mount().put(r, "ALT-AZ");
    casacore::Vector<double> position(3);
    for (int k = 0; k < 3; ++k) position[k] = spec.antennaItrfM[3 * a + k];
    cols.antenna().position().put(r, position);
    cols.antenna().offset().put(r, casacore::Vector<double>(3, 0.0));
    cols.antenna().dishDiameter().put(r, spec.dishDiameterM);
    cols.antenna().flagRow().put(r, false);
  }

  // FEED: one per antenna, linear X/Y receptors.
  ms.feed().addRow(state.nAnt);
  casacore::Vector<casacore::String> receptors(2);
  receptors[0] = "X";
  receptors[1] = "Y";
  casacore::Matrix<Complex> response(2, 2, Complex(0, 0));
  response(0, 0) = response(1, 1) = Complex(1, 0);
  casacore::Vector<double> angles(2);
  angles[0] = 0;
  angles[1] = kTwoPi / 4;
  for (std::size_t a = 0; a < state.nAnt; ++a) {
    const casacore::rownr_t r = a;
    cols.feed().antennaId().put(r, static_cast<int>(a));
    cols.feed().feedId().put(r, 0);
    cols.feed().spectralWindowId().put(r, -1);
    cols.feed().time().put(r, spec.midTimeMjdS);
    cols.feed().interval().put(r, 0.0);
    cols.feed().numReceptors().put(r, 2);
    cols.feed().beamId().put(r, -1);
    cols.feed().beamOffset().put(r, casacore::Matrix<double>(2, 2, 0.0));
    cols.feed().polarizationType().put(r, receptors);
    cols.feed().polResponse().put(r, response);
    cols.feed().position().put(r, casacore::Vector<double>(3, 0.0));
    cols.feed().receptorAngle().put(r, angles);
  }

  // FIELD: one J2000 phase centre.
  ms.field().addRow(1);
  casacore::Matrix<double> direction(2, 1);
  direction(0, 0) = state.centreRaRad;
  direction(1, 0) = state.centreDecRad;
  cols.field().name().put(0, spec.fieldName);
  cols.field().code().put(0, "");
  cols.field().time().put(0, spec.midTimeMjdS);
  cols.field().numPoly().put(0, 0);
  cols.field().delayDir().put(0, direction);
  cols.field().phaseDir().put(0, direction);
  cols.field().referenceDir().put(0, direction);
  cols.field().sourceId().put(0, -1);
  cols.field().flagRow().put(0, false);

  // SPECTRAL_WINDOW and DATA_DESCRIPTION: one per subband, ascending.
  ms.spectralWindow().addRow(state.nSpw);
  ms.dataDescription().addRow(state.nSpw);
  for (std::size_t s = 0; s < state.nSpw; ++s) {
    const casacore::rownr_t r = s;
    const std::vector<double>& f = spec.spwFreqHz[s];
    casacore::Vector<double> freq(IPosition(1, static_cast<ssize_t>(f.size())));
    for (std::size_t k = 0; k < f.size(); ++k) freq[k] = f[k];
    const casacore::Vector<double> width(f.size(), spec.channelWidthHz);
    cols.spectralWindow().numChan().put(r, static_cast<int>(f.size()));
    cols.spectralWindow().chanFreq().put(r, freq);
    cols.spectralWindow().chanWidth().put(r, width);
    cols.spectralWindow().effectiveBW().put(r, width);
    cols.spectralWindow().resolution().put(r, width);
    cols.spectralWindow().refFrequency().put(r, f.front());
    cols.spectralWindow().totalBandwidth().put(r, spec.channelWidthHz * static_cast<double>(f.size()));
    cols.spectralWindow().measFreqRef().put(r, casacore::MFrequency::TOPO);
    cols.spectralWindow().name().put(r, spec.spwNames[s]);
    cols.spectralWindow().netSideband().put(r, 1);
    cols.spectralWindow().freqGroup().put(r, 0);
    cols.spectralWindow().freqGroupName().put(r, "");
    cols.spectralWindow().ifConvChain().put(r, 0);
    cols.spectralWindow().flagRow().put(r, false);
    cols.dataDescription().spectralWindowId().put(r, static_cast<int>(s));
    cols.dataDescription().polarizationId().put(r, 0);
    cols.dataDescription().flagRow().put(r, false);
  }

  // POLARIZATION
  ms.polarization().addRow(1);
  casacore::Vector<int> corrType(state.nPol);
  casacore::Matrix<int> corrProduct(2, state.nPol);
  for (std::size_t p = 0; p < state.nPol; ++p) {
    corrType[p] = spec.corrTypes[p];
    // XX → (0, 0), YY → (1, 1), XY → (0, 1), YX → (1, 0) (Stokes enum 9..12).
    const int code = spec.corrTypes[p] - 9;
    corrProduct(0, p) = code >= 0 && code < 4 ? code / 2 : 0;
    corrProduct(1, p) = code >= 0 && code < 4 ? code % 2 : 0;
  }
  cols.polarization().numCorr().put(0, static_cast<int>(state.nPol));
  cols.polarization().corrType().put(0, corrType);
  cols.polarization().corrProduct().put(0, corrProduct);
  cols.polarization().flagRow().put(0, false);

  // OBSERVATION
  ms.observation().addRow(1);
  casacore::Vector<double> timeRange(2);
  timeRange[0] = spec.timeStartMjdS;
  timeRange[1] = spec.timeEndMjdS;
  cols.observation().telescopeName().put(0, spec.telescopeName);
  cols.observation().timeRange().put(0, timeRange);
  cols.observation().observer().put(0, spec.observer);
  cols.observation().project().put(0, spec.project);
  cols.observation().scheduleType().put(0, "");
  cols.observation().schedule().put(0, casacore::Vector<casacore::String>(1, ""));
  cols.observation().log().put(0, casacore::Vector<casacore::String>(1, ""));
  cols.observation().releaseDate().put(0, spec.timeEndMjdS);
  cols.observation().flagRow().put(0, false);

  // HISTORY
  ms.history().addRow(spec.history.size());
  for (std::size_t i = 0; i < spec.history.size(); ++i) {
    const casacore::rownr_t r = i;
    cols.history().time().put(r, spec.midTimeMjdS);
    cols.history().observationId().put(r, 0);
    cols.history().message().put(r, spec.history[i]);
    cols.history().priority().put(r, "NORMAL");
    cols.history().origin().put(r, "contimg");
    cols.history().objectId().put(r, 0);
    cols.history().application().put(r, "contimg convert");
    cols.history().cliCommand().put(r, casacore::Vector<casacore::String>(1, ""));
    cols.history().appParams().put(r, casacore::Vector<casacore::String>(1, ""));
  }

  state.cols = std::make_unique<casacore::MSMainColumns>(ms);
  state.model.resize(state.nPol, state.nChan, state.nBls);
  state.model = Complex(0, 0);
  for (std::size_t p = 0; p < state.nPol; ++p) {
    const int code = spec.corrTypes[p];
    if (code == 9 || code == 12) {
      for (std::size_t b = 0; b < state.nBls; ++b)
        for (std::size_t k = 0; k < state.nChan; ++k) state.model(p, k, b) = Complex(1, 0);
    }
  }
}

struct BlockInput {
  double timeMjdS = 0;
  std::vector<const float*> vis;       // per spw [nBls, nChan, nPol, 2], file channel order
  std::vector<const uint8_t*> flags;   // per spw [nBls, nChan, nPol]
  std::vector<const float*> nsamples;  // per spw [nBls, nChan, nPol]
};

void WriteBlock(MsState& state, const BlockInput& in) {
  const CreateSpec& spec = state.spec;
  const std::size_t nBls = state.nBls, nChan = state.nChan, nPol = state.nPol;

  // The fixed J2000 centre (and a point just north of it) as observed hour angle and declination.
  const auto [centreHa, centreDec] = ObservedHaDec(state, state.centreRaRad, state.centreDecRad, in.timeMjdS);
  const auto [northHa, northDec] = ObservedHaDec(state, state.centreRaRad, state.centreDecRad + kNorthStepRad, in.timeMjdS);
  const Vec3 w = HaDecToItrf(centreHa, centreDec, state.siteLonRad);
  Vec3 v = HaDecToItrf(northHa, northDec, state.siteLonRad);
  const double along = Dot(v, w);
  for (int k = 0; k < 3; ++k) v[k] -= along * w[k];
  const double norm = std::sqrt(Dot(v, v));
  for (int k = 0; k < 3; ++k) v[k] /= norm;
  const Vec3 u = Cross(v, w);  // east: (u, v, w) right-handed with w towards the centre

  // Per antenna: (u, v, w) towards the new centre and w towards the raw data's centre.
  std::vector<Vec3> antUvw(state.nAnt);
  std::vector<double> antOldW(state.nAnt);
  for (std::size_t a = 0; a < state.nAnt; ++a) {
    const Vec3& p = state.antennaRel[a];
    antUvw[a] = {Dot(p, u), Dot(p, v), Dot(p, w)};
    antOldW[a] = Dot(p, state.oldCentre);
  }

  casacore::Matrix<double> uvw(3, nBls);
  std::vector<double> deltaW(nBls);  // w_old − w_new, m
  for (std::size_t b = 0; b < nBls; ++b) {
    const int i = spec.ant1[b], j = spec.ant2[b];
    for (int k = 0; k < 3; ++k) uvw(k, b) = antUvw[j][k] - antUvw[i][k];
    deltaW[b] = (antOldW[j] - antOldW[i]) - uvw(2, b);
  }

  casacore::Cube<Complex> data(nPol, nChan, nBls);
  casacore::Cube<Bool> flag(nPol, nChan, nBls);
  casacore::Cube<float> weightSpectrum(nPol, nChan, nBls);
  casacore::Matrix<float> weight(nPol, nBls), sigma(nPol, nBls);
  casacore::Vector<Bool> flagRow(nBls);
  casacore::Vector<int> ant1(nBls), ant2(nBls);
  for (std::size_t b = 0; b < nBls; ++b) {
    ant1[b] = spec.ant1[b];
    ant2[b] = spec.ant2[b];
  }
  casacore::Vector<int> zeros(nBls, 0), minusOne(nBls, -1), ones(nBls, 1);
  casacore::Vector<double> time(nBls, in.timeMjdS), interval(nBls, spec.integrationS);

  for (std::size_t s = 0; s < state.nSpw; ++s) {
    const std::vector<double>& freq = spec.spwFreqHz[s];
    const bool descending = spec.spwDescending[s];
    const float* vis = in.vis[s];
    const uint8_t* flg = in.flags[s];
    const float* ns = in.nsamples[s];
    Complex* out = data.data();
    Bool* outFlag = flag.data();
    float* outWs = weightSpectrum.data();
    for (std::size_t b = 0; b < nBls; ++b) {
      // exp(+2πi (w_old − w_new) ν / c), per MS channel k (ascending frequency); the channels are
      // evenly spaced, so step the phasor and re-anchor it every 16 channels against drift.
      const double scale = kTwoPi * deltaW[b] / kSpeedOfLight;
      const double step = nChan > 1 ? freq[1] - freq[0] : 0.0;
      std::complex<double> phasor, rotate = std::polar(1.0, scale * step);
      bool allFlagged = true;
      for (std::size_t k = 0; k < nChan; ++k) {
        if (k % 16 == 0) phasor = std::polar(1.0, scale * freq[k]);
        const std::size_t fk = descending ? nChan - 1 - k : k;
        const std::size_t src = (b * nChan + fk) * nPol;
        const std::size_t dst = (b * nChan + k) * nPol;
        for (std::size_t p = 0; p < nPol; ++p) {
          const std::complex<double> x(vis[2 * (src + p)], vis[2 * (src + p) + 1]);
          const std::complex<double> y = x * phasor;
          out[dst + p] = Complex(static_cast<float>(y.real()), static_cast<float>(y.imag()));
          outFlag[dst + p] = flg[src + p] != 0;
          outWs[dst + p] = ns[src + p];
          allFlagged = allFlagged && flg[src + p] != 0;
        }
        phasor *= rotate;
      }
      flagRow[b] = allFlagged;
      for (std::size_t p = 0; p < nPol; ++p) {
        double sum = 0;
        for (std::size_t k = 0; k < nChan; ++k) sum += outWs[(b * nChan + k) * nPol + p];
        const float mean = static_cast<float>(sum / static_cast<double>(nChan));
        weight(p, b) = mean;
        sigma(p, b) = mean > 0 ? 1.0f / std::sqrt(mean) : 1.0f;
      }
    }

    const casacore::rownr_t row0 = state.ms->nrow();
    state.ms->addRow(nBls);
    const Slice rows(row0, nBls);
    casacore::MSMainColumns& c = *state.cols;
    c.time().putColumnRange(rows, time);
    c.timeCentroid().putColumnRange(rows, time);
    c.interval().putColumnRange(rows, interval);
    c.exposure().putColumnRange(rows, interval);
    c.antenna1().putColumnRange(rows, ant1);
    c.antenna2().putColumnRange(rows, ant2);
    c.feed1().putColumnRange(rows, zeros);
    c.feed2().putColumnRange(rows, zeros);
    c.dataDescId().putColumnRange(rows, casacore::Vector<int>(nBls, static_cast<int>(s)));
    c.fieldId().putColumnRange(rows, zeros);
    c.arrayId().putColumnRange(rows, zeros);
    c.observationId().putColumnRange(rows, zeros);
    c.processorId().putColumnRange(rows, minusOne);
    c.stateId().putColumnRange(rows, minusOne);
    c.scanNumber().putColumnRange(rows, ones);
    c.flagRow().putColumnRange(rows, flagRow);
    c.uvw().putColumnRange(rows, uvw);
    c.data().putColumnRange(rows, data);
    c.correctedData().putColumnRange(rows, data);  // CASA's clearcal: CORRECTED_DATA = DATA
    c.modelData().putColumnRange(rows, state.model);  // and MODEL_DATA = 1 + 0j (parallel hands)
    c.flag().putColumnRange(rows, flag);
    c.weightSpectrum().putColumnRange(rows, weightSpectrum);
    c.weight().putColumnRange(rows, weight);
    c.sigma().putColumnRange(rows, sigma);
    state.rows += nBls;
  }
}

struct Summary {
  std::uint64_t rows = 0;
  std::uint64_t zeroUvwCrossRows = 0;
  bool frequenciesAscending = true;
  double minFreqHz = 0, maxFreqHz = 0;
};

// Reopens the closed MS read-only: frequencies ascending within and across SPWs, no cross-correlation
// with an all-zero UVW.
Summary Verify(const std::string& path) {
  Summary summary;
  const casacore::MeasurementSet ms(path, casacore::Table::Old);
  const casacore::MSColumns cols(ms);
  summary.rows = ms.nrow();
  double previous = -1;
  for (casacore::rownr_t r = 0; r < ms.spectralWindow().nrow(); ++r) {
    const casacore::Vector<double> f = cols.spectralWindow().chanFreq()(r);
    for (double x : f) {
      if (!(x > previous)) summary.frequenciesAscending = false;
      previous = x;
    }
    if (r == 0 && f.size() > 0) summary.minFreqHz = f[0];
  }
  summary.maxFreqHz = previous;
  const casacore::Matrix<double> uvw = cols.uvw().getColumn();
  const casacore::Vector<int> a1 = cols.antenna1().getColumn(), a2 = cols.antenna2().getColumn();
  for (std::size_t r = 0; r < a1.size(); ++r) {
    if (a1[r] != a2[r] && uvw(0, r) == 0 && uvw(1, r) == 0 && uvw(2, r) == 0) ++summary.zeroUvwCrossRows;
  }
  return summary;
}

// ---- JS plumbing ----

std::vector<std::string> Strings(const Napi::Array& array) {
  std::vector<std::string> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out[i] = array.Get(i).As<Napi::String>().Utf8Value();
  return out;
}

template <typename T, typename Typed>
std::vector<T> Copy(const Napi::Value& value) {
  const Typed typed = value.As<Typed>();
  return std::vector<T>(typed.Data(), typed.Data() + typed.ElementLength());
}

MsState* StateOf(const Napi::Value& handle) { return handle.As<Napi::External<MsState>>().Data(); }

class CreateWorker : public Napi::AsyncWorker {
 public:
  CreateWorker(Napi::Env env, std::unique_ptr<MsState> state)
      : Napi::AsyncWorker(env, "contimg:msCreate"), deferred_(Napi::Promise::Deferred::New(env)), state_(std::move(state)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      const std::lock_guard<std::mutex> lock(CasacoreMutex());
      MsState& s = *state_;
      const auto [ra, dec] = MeridianToJ2000(s, s.spec.midTimeMjdS, s.spec.pointingDecAppRad);
      s.centreRaRad = ra;
      s.centreDecRad = dec;
      CreateMs(s);
    } catch (const std::exception& e) {
      err_ = e.what();
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      state_.reset();
      deferred_.Reject(Napi::Error::New(env, "casacore: " + *err_).Value());
      return;
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("phaseCentreRaRad", state_->centreRaRad);
    result.Set("phaseCentreDecRad", state_->centreDecRad);
    // The finaliser gives up an MS whose handle was dropped without msClose.
    result.Set("handle", Napi::External<MsState>::New(env, state_.release(), [](Napi::Env, MsState* s) { delete s; }));
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<MsState> state_;
  std::optional<std::string> err_;
};

class WriteWorker : public Napi::AsyncWorker {
 public:
  WriteWorker(Napi::Env env, Napi::Value handle, Napi::Object block)
      : Napi::AsyncWorker(env, "contimg:msWriteBlock"), deferred_(Napi::Promise::Deferred::New(env)), state_(StateOf(handle)) {
    handle_ = Napi::Persistent(handle.As<Napi::External<MsState>>());
    block_ = Napi::Persistent(block);  // keeps the typed arrays alive while Execute reads them
    input_.timeMjdS = block.Get("timeMjdS").As<Napi::Number>().DoubleValue();
    const Napi::Array vis = block.Get("visibilities").As<Napi::Array>();
    const Napi::Array flags = block.Get("flags").As<Napi::Array>();
    const Napi::Array nsamples = block.Get("nsamples").As<Napi::Array>();
    for (uint32_t s = 0; s < vis.Length(); ++s) {
      input_.vis.push_back(vis.Get(s).As<Napi::Float32Array>().Data());
      input_.flags.push_back(flags.Get(s).As<Napi::Uint8Array>().Data());
      input_.nsamples.push_back(nsamples.Get(s).As<Napi::Float32Array>().Data());
    }
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      const std::lock_guard<std::mutex> lock(CasacoreMutex());
      if (state_->closed || !state_->ms) throw std::runtime_error("the MeasurementSet is closed");
      WriteBlock(*state_, input_);
    } catch (const std::exception& e) {
      err_ = e.what();
    }
  }
  void OnOK() override {
    if (err_) {
      deferred_.Reject(Napi::Error::New(Env(), "casacore: " + *err_).Value());
    } else {
      deferred_.Resolve(Env().Undefined());
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  MsState* state_;
  Napi::Reference<Napi::External<MsState>> handle_;
  Napi::ObjectReference block_;
  BlockInput input_;
  std::optional<std::string> err_;
};

class CloseWorker : public Napi::AsyncWorker {
 public:
  CloseWorker(Napi::Env env, Napi::Value handle)
      : Napi::AsyncWorker(env, "contimg:msClose"), deferred_(Napi::Promise::Deferred::New(env)), state_(StateOf(handle)) {
    handle_ = Napi::Persistent(handle.As<Napi::External<MsState>>());
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      const std::lock_guard<std::mutex> lock(CasacoreMutex());
      if (state_->closed) throw std::runtime_error("the MeasurementSet is already closed");
      state_->closed = true;
      state_->cols.reset();
      WriteTable(*state_->ms);  // an MS that could not be written stays open for msDiscard
      state_->ms.reset();
      summary_ = Verify(state_->spec.path);
    } catch (const std::exception& e) {
      err_ = e.what();
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      deferred_.Reject(Napi::Error::New(env, "casacore: " + *err_).Value());
      return;
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("rows", static_cast<double>(summary_.rows));
    result.Set("zeroUvwCrossRows", static_cast<double>(summary_.zeroUvwCrossRows));
    result.Set("frequenciesAscending", summary_.frequenciesAscending);
    result.Set("minFreqHz", summary_.minFreqHz);
    result.Set("maxFreqHz", summary_.maxFreqHz);
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  MsState* state_;
  Napi::Reference<Napi::External<MsState>> handle_;
  Summary summary_;
  std::optional<std::string> err_;
};

}  // namespace

Napi::Value MsCreate(const Napi::CallbackInfo& info) {
  const Napi::Object js = info[0].As<Napi::Object>();
  auto state = std::make_unique<MsState>();
  CreateSpec& spec = state->spec;
  spec.path = js.Get("path").As<Napi::String>().Utf8Value();
  spec.antennaNames = Strings(js.Get("antennaNames").As<Napi::Array>());
  spec.antennaItrfM = Copy<double, Napi::Float64Array>(js.Get("antennaItrfM"));
  spec.dishDiameterM = js.Get("dishDiameterM").As<Napi::Number>().DoubleValue();
  const std::vector<double> site = Copy<double, Napi::Float64Array>(js.Get("siteItrfM"));
  spec.siteItrfM = {site[0], site[1], site[2]};
  spec.ant1 = Copy<int32_t, Napi::Int32Array>(js.Get("ant1"));
  spec.ant2 = Copy<int32_t, Napi::Int32Array>(js.Get("ant2"));
  const Napi::Array spws = js.Get("spwFreqHz").As<Napi::Array>();
  const Napi::Array descending = js.Get("spwDescending").As<Napi::Array>();
  for (uint32_t s = 0; s < spws.Length(); ++s) {
    spec.spwFreqHz.push_back(Copy<double, Napi::Float64Array>(spws.Get(s)));
    spec.spwDescending.push_back(descending.Get(s).As<Napi::Boolean>().Value());
  }
  spec.spwNames = Strings(js.Get("spwNames").As<Napi::Array>());
  spec.channelWidthHz = js.Get("channelWidthHz").As<Napi::Number>().DoubleValue();
  spec.corrTypes = Copy<int32_t, Napi::Int32Array>(js.Get("corrTypes"));
  spec.pointingDecAppRad = js.Get("pointingDecAppRad").As<Napi::Number>().DoubleValue();
  spec.midTimeMjdS = js.Get("midTimeMjdS").As<Napi::Number>().DoubleValue();
  spec.integrationS = js.Get("integrationS").As<Napi::Number>().DoubleValue();
  spec.timeStartMjdS = js.Get("timeStartMjdS").As<Napi::Number>().DoubleValue();
  spec.timeEndMjdS = js.Get("timeEndMjdS").As<Napi::Number>().DoubleValue();
  spec.telescopeName = js.Get("telescopeName").As<Napi::String>().Utf8Value();
  spec.fieldName = js.Get("fieldName").As<Napi::String>().Utf8Value();
  spec.observer = js.Get("observer").As<Napi::String>().Utf8Value();
  spec.project = js.Get("project").As<Napi::String>().Utf8Value();
  spec.history = Strings(js.Get("history").As<Napi::Array>());

  state->nAnt = spec.antennaNames.size();
  state->nBls = spec.ant1.size();
  state->nSpw = spec.spwFreqHz.size();
  state->nChan = spec.spwFreqHz.front().size();
  state->nPol = spec.corrTypes.size();
  double siteXyz[3] = {spec.siteItrfM[0], spec.siteItrfM[1], spec.siteItrfM[2]};
  if (eraGc2gd(ERFA_WGS84, siteXyz, &state->siteLonRad, &state->siteLatRad, &state->siteHeightM) != 0) {
    Napi::TypeError::New(info.Env(), "msCreate: the site position is not on the Earth").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  state->oldCentre = HaDecToItrf(0.0, spec.pointingDecAppRad, state->siteLonRad);
  for (std::size_t a = 0; a < state->nAnt; ++a) {
    state->antennaRel.push_back({spec.antennaItrfM[3 * a] - spec.siteItrfM[0], spec.antennaItrfM[3 * a + 1] - spec.siteItrfM[1],
                                 spec.antennaItrfM[3 * a + 2] - spec.siteItrfM[2]});
  }

  auto* worker = new CreateWorker(info.Env(), std::move(state));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value MsWriteBlock(const Napi::CallbackInfo& info) {
  auto* worker = new WriteWorker(info.Env(), info[0], info[1].As<Napi::Object>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value MsClose(const Napi::CallbackInfo& info) {
  auto* worker = new CloseWorker(info.Env(), info[0]);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value MsDiscard(const Napi::CallbackInfo& info) {
  MsState* state = StateOf(info[0]);
  Napi::Object keep = Napi::Object::New(info.Env());
  keep.Set("handle", info[0]);
  return PromiseWorker::Start(
      info.Env(), "contimg:msDiscard", "casacore: ", [state] { state->Discard(); }, [](Napi::Env env) { return env.Undefined(); }, keep);
}

}  // namespace contimg
