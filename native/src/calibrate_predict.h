#pragma once

#include <napi.h>

namespace contimg {

// calPredict({ msPath, siteItrfM, nSources, sourceHaDecRad, fluxJy, threads }): MODEL_DATA = the
// direct Fourier transform of point sources, sum_s S_s exp(+2 pi i (u l + v m + w (n - 1)) nu / c)
// in every parallel hand (cross hands 0). (l, m, n) is each source's direction in the MS's own
// (u, v, w) axes, found per integration as the rotation that takes antenna-position differences
// (ITRF) to the stored UVW; the sources' Earth-fixed directions come from the caller as apparent
// places (local hour angle at the site's longitude and declination of date, [nTimes][nSources][2]),
// whose astrometry (aberration included) is the sky's. fluxJy [nTimes][nSources][nSpw * nChan]
// carries spectrum and primary beam.
Napi::Value CalPredict(const Napi::CallbackInfo& info);

}  // namespace contimg
