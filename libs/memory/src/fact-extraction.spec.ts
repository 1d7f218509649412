import { extractFacts, factKey, sameFact } from './fact-extraction';

describe('extractFacts', () => {
  it('takes first-person statements, with a key for facts that can change', () => {
    expect(extractFacts('Hi! My dog is called Rex. I live in Lisbon.')).toEqual([
      { content: 'My dog is called Rex', key: 'my dog', importance: 0.7 },
      { content: 'I live in Lisbon', key: 'i live in', importance: 0.6 },
    ]);
    expect(extractFacts("Oh, and by the way, I'm a nurse")[0]).toMatchObject({
      content: "I'm a nurse",
      key: 'i am a',
    });
    expect(extractFacts('I love jazz.')[0]).toMatchObject({ content: 'I love jazz', key: null });
  });

  it('never takes questions or small talk, so recalled facts are not stored again', () => {
    expect(extractFacts('What is my dog called?')).toEqual([]);
    expect(extractFacts('is my dog called Rex')).toEqual([]);
    expect(extractFacts('Tell me a story about dragons.')).toEqual([]);
    expect(extractFacts('Your dog is called Rex.')).toEqual([]);
  });

  it('gives the same key to facts about the same thing, so the newer supersedes the older', () => {
    expect(factKey('my dog is called Rex')).toBe(factKey('My dog is named Max'));
    expect(factKey('my dog is called Rex')).not.toBe(factKey('my cat is called Tom'));
    expect(sameFact('My dog is called Rex!', 'my dog is called rex')).toBe(true);
  });
});
