# Seed 003 §1 "继承并修改配置文件": inherit resnet50_8xb32_in1k.py, train 300 epochs
# instead of 100 with later LR steps, and read the images from another folder. Only the
# keys that change are written; everything else (runner type, lr policy...) is inherited.
_base_ = './resnet50_8xb32_in1k.py'

runner = dict(max_epochs=300)

lr_config = dict(step=[150, 200, 250])

data = dict(
    train=dict(data_prefix='mydata/imagenet/train'),
    val=dict(data_prefix='mydata/imagenet/train'),
    test=dict(data_prefix='mydata/imagenet/train'))
