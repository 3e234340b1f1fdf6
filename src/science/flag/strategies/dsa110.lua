--[[
 contimg's AOFlagger strategy for DSA-110 groups: AOFlagger's generic-default strategy
 (version 2020-05-26, André Offringa), which is what AOFlagger itself picks for DSA_110, with two
 changes measured on full-size simulated groups (noise and injected RFI; bench/flag.ts):

 - two iterations of the fit-and-subtract loop instead of three: on 24 integrations × 48 channels
   per baseline and SPW the third iteration changed almost nothing (every injected RFI sample
   flagged and 0.36 % of the clean ones either way; 10.4350 % of all samples flagged instead of
   10.4348 %) and cost about a third of AOFlagger's CPU time;
 - no statistics collection (the QUALITY_* subtables for aoqplot), which nothing in contimg reads
   and which took 30 % of the `aoflagger` program's CPU time (AOFlagger's library skips it anyway).

 It flags the amplitude of each polarization separately: flagging Stokes I alone missed 12 % of
 the RFI samples, whose phases differ between XX and YY.
]]--

aoflagger.require_min_version("3.0")

function execute(input)
  local base_threshold = 1.0  -- lower means more sensitive detection
  local iteration_count = 2
  local threshold_factor_step = 2.0  -- how much to increase the sensitivity each iteration
  local frequency_resize_factor = 1.0
  local transient_threshold_factor = 1.0

  local polarizations = input:get_polarizations()
  input:clear_mask()

  for _, polarization in ipairs(polarizations) do
    local data = input:convert_to_polarization(polarization):convert_to_complex("amplitude")
    local original_data = data:copy()

    for i = 1, iteration_count - 1 do
      local threshold_factor = math.pow(threshold_factor_step, iteration_count - i)
      local sumthr_level = threshold_factor * base_threshold
      aoflagger.sumthreshold(data, sumthr_level, sumthr_level * transient_threshold_factor, true, true)

      -- Timestep and channel flagging
      local chdata = data:copy()
      aoflagger.threshold_timestep_rms(data, 3.5)
      aoflagger.threshold_channel_rms(chdata, 3.0 * threshold_factor, true)
      data:join_mask(chdata)

      -- High-pass filter: subtract a smoothed version of the unflagged data
      data:set_visibilities(original_data)
      local resized_data = aoflagger.downsample(data, 3, frequency_resize_factor, true)
      aoflagger.low_pass_filter(resized_data, 21, 31, 2.5, 5.0)
      aoflagger.upsample(resized_data, data, 3, frequency_resize_factor)

      local residual = original_data - data
      residual:set_mask(data)
      data = residual
    end

    aoflagger.sumthreshold(data, base_threshold, base_threshold * transient_threshold_factor, true, true)

    if input:is_complex() then
      data = data:convert_to_complex("complex")
    end
    input:set_polarization_data(polarization, data)
  end

  aoflagger.scale_invariant_rank_operator(input, 0.2, 0.2)
  aoflagger.threshold_timestep_rms(input, 4.0)
  input:flag_nans()
end
