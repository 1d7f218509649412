import { normalizeModelName } from './model-name';

describe('normalizeModelName', () => {
  it.each([
    ['ResNet-50', 'resnet50'],
    ['resnet_50', 'Res Net 50'],
    ['ResNet.50', 'RESNET50'],
    ['ResNet-50', 'ReѕNet-5O'],
    ['GPT-2', 'GPT 2'],
    ['llama', 'l1ama'],
    ['llama', 'Ilama'],
    ['super-resolution', 'ѕuреr-rеѕоlutіоn'],
    ['ResNet50', 'ＲｅｓＮｅｔ５０'],
    ['bert', 'be\u200brt'],
  ])('%s and %s normalise alike', (a, b) => {
    expect(normalizeModelName(b)).toBe(normalizeModelName(a));
  });

  it.each([
    ['ResNet-50', 'ResNet-101'],
    ['GPT-2', 'GPT-3'],
    ['yolov3', 'yolov4'],
  ])('%s and %s stay apart', (a, b) => {
    expect(normalizeModelName(b)).not.toBe(normalizeModelName(a));
  });
});
