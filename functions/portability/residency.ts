/**
 * Residency zones: the regions a tenant's data may live in when its manifest allows a zone rather than one region
 * (`eu`: every EU region). A region belongs to the zone its name starts with (`eu-central-1` → `eu`).
 */
export function residencyZoneOf(region: string): string {
  const zone = region.split('-')[0];
  if (!zone || zone === region) throw new RangeError(`${region} is not a region name`);
  return zone;
}

/** True when `region` lies inside the boundary of a tenant homed in `home` whose data may use `zone`'s regions. */
export function insideBoundary(region: string, home: string, zone?: string): boolean {
  return region === home || (zone !== undefined && residencyZoneOf(region) === zone);
}
