#include "wcs_transform.h"

#include <wcslib/wcs.h>
#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>

#include "async_worker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace contimg {
namespace {

// wcspih's header parser keeps state between calls in some wcslib builds: serialise it.
std::mutex& WcsParseMutex() {
  static std::mutex mutex;
  return mutex;
}

struct WcsBaton {
  std::string header;
  std::vector<double> coords;  // [n, naxis], row-major
  bool toWorld = true;
  int naxis = 0;
};

// Owns the wcsprm array wcspih allocates.
class ParsedWcs {
 public:
  explicit ParsedWcs(const std::string& header) {
    const std::lock_guard<std::mutex> lock(WcsParseMutex());
    int nreject = 0;
    const int status = wcspih(const_cast<char*>(header.c_str()), static_cast<int>(header.size() / 80), WCSHDR_all, 0,
                              &nreject, &nwcs_, &wcs_);
    if (status != 0) throw std::runtime_error(std::string("wcslib: cannot parse the header: ") + wcshdr_errmsg[status]);
    if (nwcs_ == 0) throw std::runtime_error("wcslib: the header has no world coordinate system");
    int stat[NWCSFIX];
    wcsfix(1, nullptr, wcs_, stat);  // translates non-standard but common keywords (e.g. old date and unit forms)
    const int setStatus = wcsset(wcs_);
    if (setStatus != 0) throw std::runtime_error(std::string("wcslib: ") + wcs_errmsg[setStatus]);  // wcs_->err is null unless wcserr_enable(1)
  }
  ~ParsedWcs() { wcsvfree(&nwcs_, &wcs_); }
  ParsedWcs(const ParsedWcs&) = delete;
  ParsedWcs& operator=(const ParsedWcs&) = delete;

  wcsprm* get() const { return wcs_; }

 private:
  int nwcs_ = 0;
  wcsprm* wcs_ = nullptr;
};

void Transform(WcsBaton& baton) {
  ParsedWcs parsed(baton.header);
  wcsprm* wcs = parsed.get();
  const int naxis = wcs->naxis;
  if (baton.naxis != naxis) {
    throw std::runtime_error("wcslib: coordinates have " + std::to_string(baton.naxis) + " axes, the header's WCS has " +
                             std::to_string(naxis));
  }
  const int n = static_cast<int>(baton.coords.size()) / naxis;
  if (n == 0) return;
  std::vector<double> out(baton.coords.size()), intermediate(baton.coords.size()), phi(n), theta(n);
  std::vector<int> stat(n);
  const int status =
      baton.toWorld
          ? wcsp2s(wcs, n, naxis, baton.coords.data(), intermediate.data(), phi.data(), theta.data(), out.data(), stat.data())
          : wcss2p(wcs, n, naxis, baton.coords.data(), phi.data(), theta.data(), intermediate.data(), out.data(), stat.data());
  // Status 8 / 9 mean some coordinates were invalid (flagged in stat); those become NaN.
  if (status != 0 && status != 8 && status != 9) throw std::runtime_error(std::string("wcslib: ") + wcs_errmsg[status]);
  for (int i = 0; i < n; ++i) {
    if (stat[i] != 0) {
      for (int k = 0; k < naxis; ++k) out[i * naxis + k] = std::numeric_limits<double>::quiet_NaN();
    }
  }
  baton.coords.swap(out);
}

}  // namespace

Napi::Value WcsTransform(const Napi::CallbackInfo& info) {
  auto baton = std::make_shared<WcsBaton>();
  baton->header = info[0].As<Napi::String>().Utf8Value();
  const Napi::Float64Array coords = info[1].As<Napi::Float64Array>();
  baton->coords.assign(coords.Data(), coords.Data() + coords.ElementLength());
  baton->naxis = info[2].As<Napi::Number>().Int32Value();
  baton->toWorld = info[3].As<Napi::Boolean>().Value();
  return PromiseWorker::Start(
      info.Env(), "contimg:wcsTransform", "", [baton] { Transform(*baton); },
      [baton](Napi::Env env) -> Napi::Value {
        Napi::Float64Array result = Napi::Float64Array::New(env, baton->coords.size());
        std::copy(baton->coords.begin(), baton->coords.end(), result.Data());
        return result;
      },
      Napi::Object::New(info.Env()));
}

}  // namespace contimg
