// Pure formatting for the model hub pages: Dice, SMA error, checksums, durations, device names.

export const DASH = "—";

const finite = (value) => typeof value === "number" && Number.isFinite(value);

/** Dice as "0.912" (three decimals), or a dash when unknown. */
export function formatDice(value, digits = 3) {
  return finite(value) ? value.toFixed(digits) : DASH;
}

/** Dice with the number of test images it is from: "0.912 (n=6)"; "0.912 (n=3, too few)" under `minimum`. */
export function formatDiceN(value, images, minimum = 5) {
  if (!finite(value)) return DASH;
  if (!finite(images)) return value.toFixed(3);
  return `${value.toFixed(3)} (n=${images}${images < minimum ? ", too few" : ""})`;
}

/** Dice with its spread: "0.912 ± 0.031". */
export function formatDiceSd(mean, sd) {
  if (!finite(mean)) return DASH;
  return finite(sd) ? `${mean.toFixed(3)} ± ${sd.toFixed(3)}` : mean.toFixed(3);
}

/** A relative error (0.034) as a percentage ("3.4%"); the engine reports fractions, not percent. */
export function formatPercent(fraction, digits = 1) {
  return finite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : DASH;
}

/** A loss value: four significant decimals below 10, fewer above. */
export function formatLoss(value) {
  if (!finite(value)) return DASH;
  return Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(4);
}

export function shortChecksum(checksum, length = 12) {
  return checksum ? String(checksum).slice(0, length) : DASH;
}

/** "42 s", "3 min 20 s", "1 h 05 min". */
export function formatSeconds(seconds) {
  if (!finite(seconds) || seconds < 0) return DASH;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")} min`;
}

/** An ISO timestamp as local "YYYY-MM-DD HH:MM", or a dash. */
export function formatDateTime(iso) {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return DASH;
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A device as the API sends it ({id, display_name}, a bare name, or null for the base model). */
export function deviceName(device, base = "All devices (base)") {
  if (device == null) return base;
  if (typeof device === "object") return device.display_name ?? `Device ${device.id}`;
  return String(device);
}

export function deviceId(device) {
  return device && typeof device === "object" ? device.id ?? null : null;
}

/** The label of a version in a picker: "vnet-ct-x-3 · GE LightSpeed · active". */
export function versionOptionLabel(version) {
  return [version.name, deviceName(version.device, "base"), version.status].filter(Boolean).join(" · ");
}

/**
 * Whether a version's device (an object, a bare display name, or null) is this device row
 * ({id, display_name}). The page contexts send the name only in some places, the id in others.
 */
export function sameDevice(versionDevice, device) {
  if (versionDevice == null || device == null) return false;
  if (typeof versionDevice === "object") return versionDevice.id === device.id;
  return String(versionDevice) === device.display_name;
}
