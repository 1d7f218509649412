import {
  formatLoreSection,
  formatMemorySection,
  formatPersonaName,
  parsePersonaPrompt,
} from './persona-prompt-format';

describe('persona prompt format', () => {
  it('writes the exact lines the prompt builder writes', () => {
    expect(formatPersonaName('Mira')).toBe('Name: Mira');
    expect(formatMemorySection(['my dog is called Rex', 'my name\nis Ada'])).toBe(
      'Known facts about the user:\n- my dog is called Rex\n- my name is Ada',
    );
    expect(formatMemorySection([])).toBe('');
    expect(formatLoreSection(['The tower is silver'])).toBe('Lore:\n- The tower is silver');
  });

  it('reads name, personality and sections back', () => {
    const system = [
      formatPersonaName('Mira'),
      "Write Mira's next reply in a fictional chat between Mira and Ada.",
      "Mira's personality: cheerful, curious",
      '',
      'Canonical memory:\n- I grew up in Lisbon',
      '',
      formatMemorySection(['my dog is called Rex']),
      '',
      formatLoreSection(['The tower is silver']),
    ].join('\n');
    expect(parsePersonaPrompt(system)).toEqual({
      name: 'Mira',
      personality: 'cheerful, curious',
      canonical: ['I grew up in Lisbon'],
      facts: ['my dog is called Rex'],
      lore: ['The tower is silver'],
    });
  });
});
