import { bestMatch, contentWords, isQuestion, toSecondPerson } from './fact-recall';

describe('fact recall', () => {
  it('ignores question words, pronouns and possessives when comparing', () => {
    expect([...contentWords("What's my dog's name?")]).toEqual(['dog', 'name']);
  });

  it('finds the fact a question is about', () => {
    const facts = ['my name is Ada', "my dog's name is Rex", 'I live in Lyon'];
    expect(bestMatch('what is my name?', facts)).toBe('my name is Ada');
    expect(bestMatch("what's my dog called?", facts)).toBe("my dog's name is Rex");
    expect(bestMatch('where do I live?', facts)).toBe('I live in Lyon');
    expect(bestMatch('what is my cat called?', facts)).toBeUndefined();
  });

  it('says facts back in the second person', () => {
    expect(toSecondPerson('my dog is called Rex.')).toBe('your dog is called Rex');
    expect(toSecondPerson("I'm a nurse and I was born in Oslo")).toBe(
      "you're a nurse and you were born in Oslo",
    );
    expect(toSecondPerson("The user's name is Ada")).toBe('your name is Ada');
  });

  it('recognises questions', () => {
    expect(isQuestion('what is my name')).toBe(true);
    expect(isQuestion('my dog is called Rex')).toBe(false);
  });
});
