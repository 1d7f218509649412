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
    // Invisible format characters and combining marks (found by review): soft hyphen, accent, direction marks.
    ['ResNet50', 'ResNet\u00AD50'],
    ['ResNet50', 'ResNet50\u0301'],
    ['ResNet50', 'Res\u200ENet50'],
    ['ResNet50', 'ResNet\u034F50'],
    ['ResNet50', 'R\u0435snet\u202E50'],
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
