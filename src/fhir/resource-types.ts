import resourceTypeList from './search/resource-types.json' with { type: 'json' };

const RESOURCE_TYPES: ReadonlySet<string> = new Set(resourceTypeList as string[]);

/** Every concrete R4 resource type, from the official StructureDefinitions. */
export function isResourceType(name: string): boolean {
  return RESOURCE_TYPES.has(name);
}

export function allResourceTypes(): readonly string[] {
  return resourceTypeList as string[];
}
