import { SUPPORTED_SPECIFICATION_VERSIONS, type ModelCapability, type Plugin } from './plugin.js';

/**
 * The plugins of one run, by name. Refuses duplicates, plugins not made by `definePlugin`,
 * specification versions this core does not implement, and (in {@link checkRequirements})
 * plugins whose `requires` the model cannot satisfy.
 */
export class PluginRegistry {
  private readonly plugins = new Map<string, Plugin>();

  /** Adds a plugin. @throws on a duplicate name or an unsupported specification version. */
  register(plugin: Plugin): this {
    if (!plugin || typeof plugin !== 'object' || (plugin as { __vlalignPlugin?: unknown }).__vlalignPlugin !== true) {
      throw new TypeError(`PluginRegistry: expected a plugin made by definePlugin(), got ${describe(plugin)}`);
    }
    if (!SUPPORTED_SPECIFICATION_VERSIONS.includes(plugin.specificationVersion)) {
      throw new TypeError(
        `Plugin "${plugin.name}" implements specification ${JSON.stringify(plugin.specificationVersion)}, but this @vlalign/core supports ${SUPPORTED_SPECIFICATION_VERSIONS.join(', ')}. Install versions of the plugin and @vlalign/core that match.`,
      );
    }
    if (this.plugins.has(plugin.name)) {
      throw new Error(`Plugin "${plugin.name}" is registered twice; plugin names must be unique within a run (they are metric and checkpoint namespaces)`);
    }
    this.plugins.set(plugin.name, plugin);
    return this;
  }

  /** Whether a plugin of this name is registered. */
  has(name: string): boolean {
    return this.plugins.has(name);
  }

  /** The plugin named `name`. @throws listing the registered names. */
  get(name: string): Plugin {
    const p = this.plugins.get(name);
    if (!p) throw new Error(`No plugin named "${name}"; registered: ${this.names().join(', ') || '(none)'}`);
    return p;
  }

  /** Registered names in registration order. */
  names(): string[] {
    return [...this.plugins.keys()];
  }

  /** Registered plugins in registration order. */
  list(): Plugin[] {
    return [...this.plugins.values()];
  }

  /**
   * Checks every plugin's `requires` against the model's capabilities.
   * @throws naming the plugin, what it needs and what the model offers.
   */
  checkRequirements(capabilities: readonly ModelCapability[]): void {
    for (const p of this.plugins.values()) {
      const missing = (p.requires ?? []).filter((c) => !capabilities.includes(c));
      if (missing.length) {
        throw new Error(
          `Plugin "${p.name}" requires a model with ${missing.map((c) => `"${c}"`).join(', ')}, but the model provides ${capabilities.length ? capabilities.map((c) => `"${c}"`).join(', ') : 'no known capabilities'}`,
        );
      }
    }
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'function') return 'a function (did you forget to call the plugin factory, e.g. captioning() instead of captioning?)';
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).slice(0, 6).join(', ')}`;
  return typeof v;
}
