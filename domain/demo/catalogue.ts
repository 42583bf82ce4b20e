// Deterministic, realistic demo catalogue data (docs/DESIGN.md §3 "Demo data").
//
// Everything derives from the seed: the same options give byte-identical output (nothing reads
// the clock unless `now` is passed). Records are generated in one pass with a small PRNG, so
// 100,000 entries take about a second, and the first N records do not depend on `count`. Names,
// grades, timestamps and the seeded quality defects: docs/DATA-QUALITY.md "The demo data".
import {
  type CatalogueEntryRecord,
  type DataItem,
  type DataType,
  type OpenType,
  type ResourceFormat,
  type SharingMethod,
  type SharingType,
  type UpdateCycle,
  UPDATE_CYCLE_LABELS,
} from '../catalogue.js';
import { formatEntryId } from '../entry-id.js';
import { makeUscc } from '../uscc.js';
import { mulberry32 } from './prng.js';
import { personalInfoOf, type DataGrade } from '../grading.js';
import { TWO_CYCLES_DAYS } from '../quality/analyze.js';
import { NAME_SIMILARITY_THRESHOLD, sameResourceSimilarity } from '../quality/names.js';
import { defectPlan, FORMER_DEPARTMENT_NAMES, JOINT_RESOURCES, type DefectSpec, type JointResource } from './defect-plan.js';

// ---------------------------------------------------------------------------------------------
// PRNG

export { mulberry32 };

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)] as T;

function weighted<T>(pairs: readonly (readonly [T, number])[]): (rng: Rng) => T {
  const total = pairs.reduce((s, [, w]) => s + w, 0);
  return (rng) => {
    let x = rng() * total;
    for (const [v, w] of pairs) {
      x -= w;
      if (x < 0) return v;
    }
    return (pairs[pairs.length - 1] as readonly [T, number])[0];
  };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

// ---------------------------------------------------------------------------------------------
// Resource templates: "name|item,item,…|tag". The tag, when present, says the resource also
// belongs to a basic (B) or thematic (T) resource library (政务信息资源目录编制指南(试行) 2017):
//   B01 人口  B02 法人单位  B03 自然资源和空间地理  B04 宏观经济  B05 电子证照
//   T01 医疗健康  T02 社会保障  T03 食品药品安全  T04 安全生产  T05 价格监管  T06 能源安全
//   T07 信用体系  T08 城乡建设  T10 生态环保  T11 应急管理

interface Template {
  name: string;
  items: DataItem[];
  tag: string | null;
  /** 目 code within the basic/thematic 项, assigned in template order. */
  tagCatalog: number;
}

// Data type from the item name, the way catalogue compilers fill the 数据类型 column.
const TYPE_OVERRIDES: Readonly<Record<string, DataType>> = { 缴费基数: 'DECIMAL', 缴存基数: 'DECIMAL' };

function dataTypeOf(item: string): DataType {
  const o = TYPE_OVERRIDES[item];
  if (o !== undefined) return o;
  if (item.startsWith('是否')) return 'BOOLEAN';
  if (/(照片|附件|影像|扫描件|电子证照文件)$/.test(item)) return 'BINARY';
  if (/时间$/.test(item)) return 'DATETIME';
  if (/日期$/.test(item)) return 'DATE';
  if (/(数|数量|剂次|记分|年度)$/.test(item)) return 'INTEGER';
  if (/(额|资本|面积|收入|价格|体重|里程|量|能耗|数值|率|功率|容量|库容|气温|湿度|风速|震级|深度|浓度|产值)$/.test(item)) {
    return 'DECIMAL';
  }
  return 'STRING';
}

// Padding when a template lists fewer than three items (the generator picks 3–12).
const COMMON_ITEMS = ['行政区划代码', '数据来源单位', '数据更新时间'];

function parseTemplates(lines: readonly string[]): Omit<Template, 'tagCatalog'>[] {
  return lines.map((line) => {
    const [name, items, tag] = line.split('|') as [string, string, string | undefined];
    const names = items.split(',');
    for (const c of COMMON_ITEMS) if (names.length < 3 && !names.includes(c)) names.push(c);
    return { name, items: names.map((n) => ({ name: n, dataType: dataTypeOf(n), personalInfo: personalInfoOf(n) })), tag: tag ?? null };
  });
}

interface DepartmentDef {
  key: string;
  /** Name suffix in a municipality (重庆市…局/委员会); null if it has no such department. */
  muni: string | null;
  /** Name suffix in a province (四川省…厅/局/委员会); null if it has no such department. */
  prov: string | null;
  weight: number;
  resources: readonly string[];
}

const D = (key: string, muni: string | null, prov: string | null, weight: number, resources: readonly string[]): DepartmentDef => ({
  key,
  muni,
  prov,
  weight,
  resources,
});

const DEPARTMENTS: readonly DepartmentDef[] = [
  D('fgw', '发展和改革委员会', '发展和改革委员会', 2, [
    '固定资产投资项目审批信息|项目代码,项目名称,项目单位,建设地点,总投资金额,审批文号,审批日期',
    '企业投资项目备案信息|项目代码,项目名称,统一社会信用代码,企业名称,建设规模,总投资金额,备案日期',
    '重点建设项目信息|项目名称,项目业主,建设内容,总投资金额,年度计划投资金额,开工日期,建设进度',
    '公共信用综合评价信息|统一社会信用代码,主体名称,评价等级,评价分数,评价日期|T07',
    '政府定价成本监审信息|项目名称,被监审单位,监审期间,核定成本金额,监审日期|T05',
    '重要商品价格监测信息|商品名称,规格等级,计价单位,价格,监测点,监测日期|T05',
  ]),
  D('edu', '教育委员会', '教育厅', 2, [
    '学校基本信息|学校标识码,学校名称,统一社会信用代码,办学类型,举办者,校长姓名,学校地址,在校学生数,教职工人数',
    '教师资格证书信息|证书号码,姓名,公民身份号码,资格种类,任教学科,认定机构,认定日期',
    '学生学籍信息|学籍号,姓名,公民身份号码,性别,学校名称,年级,入学日期,学籍状态',
    '民办学校办学许可证信息|许可证编号,学校名称,统一社会信用代码,举办者,办学地址,办学层次,发证日期,有效期截止日期',
    '学历证书信息|证书编号,姓名,公民身份号码,学校名称,专业,学历层次,毕业日期',
    '高校毕业生就业信息|姓名,毕业院校,专业,学历层次,就业单位名称,就业地区,毕业日期',
  ]),
  D('sci', '科学技术局', '科学技术厅', 1, [
    '高新技术企业认定信息|证书编号,企业名称,统一社会信用代码,技术领域,发证日期,有效期截止日期',
    '科技型企业入库信息|入库编号,企业名称,统一社会信用代码,研发投入金额,入库日期',
    '科技计划项目信息|项目编号,项目名称,承担单位,项目负责人,财政资助金额,立项日期,结题日期',
    '科技成果登记信息|登记号,成果名称,完成单位,成果类型,登记日期',
  ]),
  D('jxw', '经济和信息化委员会', '经济和信息化厅', 1, [
    '规模以上工业企业信息|统一社会信用代码,企业名称,行业代码,工业总产值,从业人数,所在地',
    '专精特新中小企业信息|统一社会信用代码,企业名称,认定年度,主导产品,认定日期',
    '重点用能单位能耗信息|统一社会信用代码,单位名称,综合能源消费量,单位产值能耗,统计年度|T06',
    '无线电台执照信息|执照编号,设台单位,台站名称,频率范围,发证日期,有效期截止日期',
  ]),
  D('mzzj', '民族宗教事务委员会', '民族宗教事务委员会', 1, [
    '宗教活动场所登记信息|登记证编号,场所名称,宗教类别,场所地址,负责人,登记日期',
    '民族团结进步示范单位信息|单位名称,命名年度,命名机关,所在地',
  ]),
  D('police', '公安局', '公安厅', 4, [
    '户籍人口信息|姓名,公民身份号码,性别,民族,出生日期,户籍地址,户主姓名,与户主关系,户籍登记日期|B01',
    '居民身份证信息|公民身份号码,姓名,性别,民族,出生日期,住址,签发机关,有效期起始日期,有效期截止日期,照片|B01',
    '机动车登记信息|号牌号码,号牌种类,车辆类型,车辆识别代号,所有人名称,初次登记日期,使用性质,机动车状态',
    '机动车驾驶证信息|驾驶证号,姓名,准驾车型,初次领证日期,有效期起始日期,有效期截止日期,累积记分,驾驶证状态',
    '出入境证件信息|证件号码,证件类型,姓名,出生日期,签发机关,签发日期,有效期截止日期',
    '居住证信息|居住证编号,姓名,公民身份号码,居住地址,签发日期,有效期截止日期,签发机关',
    '道路交通事故信息|事故编号,事故发生时间,事故地点,事故类型,死亡人数,受伤人数,直接财产损失金额|T04',
    '无犯罪记录证明信息|证明编号,姓名,公民身份号码,查询结果,出具机关,出具日期',
  ]),
  D('civil', '民政局', '民政厅', 2, [
    '婚姻登记信息|登记类型,男方姓名,男方公民身份号码,女方姓名,女方公民身份号码,登记日期,登记机关,结婚证字号|B01',
    '社会组织登记信息|统一社会信用代码,社会组织名称,组织类型,法定代表人,业务主管单位,登记日期,住所,登记管理机关|B02',
    '最低生活保障对象信息|户主姓名,公民身份号码,保障人数,保障金额,所在地,保障起始日期,保障状态|T02',
    '特困人员救助供养信息|姓名,公民身份号码,供养方式,救助金额,认定日期,所在地|T02',
    '养老机构备案信息|机构名称,统一社会信用代码,法定代表人,地址,床位数,备案日期,备案机关',
    '殡葬服务信息|逝者姓名,公民身份号码,火化日期,殡仪服务机构,火化证明编号',
    '地名信息|标准地名,地名类别,行政区划代码,罗马字母拼写,地理位置,命名日期|B03',
  ]),
  D('justice', '司法局', '司法厅', 1, [
    '律师执业证信息|执业证号,姓名,公民身份号码,执业机构,执业类别,发证日期,执业状态',
    '律师事务所执业许可证信息|许可证号,律师事务所名称,统一社会信用代码,负责人,组织形式,住所,发证日期',
    '公证员执业证信息|执业证号,姓名,执业机构,发证日期,执业状态',
    '司法鉴定机构登记信息|许可证号,机构名称,统一社会信用代码,鉴定业务范围,负责人,有效期截止日期',
    '法律援助案件信息|案件编号,受援人姓名,案件类型,承办机构,指派日期,结案日期',
    '人民调解组织信息|组织名称,组织类型,所在地,调解员人数,成立日期',
  ]),
  D('finance', '财政局', '财政厅', 1, [
    '政府采购供应商信息|统一社会信用代码,供应商名称,法定代表人,注册地址,是否列入严重违法失信名单,登记日期',
    '政府采购合同信息|合同编号,采购项目名称,采购人名称,供应商名称,合同金额,签订日期,公告时间',
    '财政电子票据信息|票据代码,票据号码,开票单位,交款人,票据金额,开票日期,校验码',
    '会计人员信息|姓名,公民身份号码,会计专业技术资格,工作单位,取得资格日期',
  ]),
  D('hr', '人力资源和社会保障局', '人力资源和社会保障厅', 4, [
    '社会保险参保信息|姓名,公民身份号码,社会保障号码,参保险种,参保单位名称,参保状态,参保日期,缴费基数|T02',
    '社会保障卡信息|社会保障卡卡号,姓名,公民身份号码,发卡日期,卡状态,发卡机构|T02',
    '就业失业登记信息|姓名,公民身份号码,登记类型,就业单位名称,登记日期,失业原因,是否享受失业保险',
    '职业资格证书信息|证书编号,姓名,公民身份号码,职业名称,等级,发证机关,发证日期',
    '劳务派遣经营许可证信息|许可证编号,单位名称,统一社会信用代码,法定代表人,注册资本,发证日期,有效期截止日期,发证机关',
    '人力资源服务许可证信息|许可证编号,机构名称,统一社会信用代码,服务范围,发证日期,有效期截止日期,发证机关',
    '基本养老保险待遇发放信息|姓名,公民身份号码,待遇类别,发放金额,发放月份,发放状态|T02',
    '工伤认定信息|认定决定书编号,职工姓名,公民身份号码,用人单位名称,受伤时间,认定结论,认定日期',
  ]),
  D('land', '规划和自然资源局', '自然资源厅', 3, [
    '不动产登记信息|不动产单元号,不动产权证书号,权利人,权利人证件号码,坐落,权利类型,权利性质,用途,面积,登记日期,登记机构|B03',
    '不动产权证书信息|不动产权证书号,权利人,共有情况,坐落,不动产单元号,用途,面积,使用期限截止日期,发证日期',
    '建设用地规划许可证信息|证书编号,用地单位,用地项目名称,用地位置,用地面积,发证日期,发证机关',
    '建设工程规划许可证信息|证书编号,建设单位,建设项目名称,建设位置,建设规模,发证日期',
    '土地利用现状信息|图斑编号,地类编码,地类名称,图斑面积,权属单位名称,行政区划代码,调查日期|B03',
    '采矿许可证信息|许可证号,采矿权人,矿山名称,开采矿种,开采方式,矿区面积,有效期起始日期,有效期截止日期',
    '地质灾害隐患点信息|隐患点编号,隐患点名称,灾害类型,地理位置,经度,纬度,威胁人数,威胁财产金额,险情等级|T11',
  ]),
  D('eco', '生态环境局', '生态环境厅', 2, [
    '排污许可证信息|许可证编号,单位名称,统一社会信用代码,行业类别,生产经营场所地址,发证日期,有效期截止日期|T10',
    '建设项目环境影响评价审批信息|审批文号,项目名称,建设单位,建设地点,环评类别,审批日期|T10',
    '环境空气质量监测信息|监测点位名称,监测时间,空气质量指数,首要污染物,细颗粒物浓度,可吸入颗粒物浓度|T10',
    '重点排污单位名录信息|统一社会信用代码,单位名称,所在地,排污类别,名录年度',
    '生态环境行政处罚信息|处罚决定书文号,当事人名称,统一社会信用代码,违法事实,罚款金额,处罚日期',
  ]),
  D('housing', '住房和城乡建设委员会', '住房和城乡建设厅', 3, [
    '建筑业企业资质信息|资质证书编号,企业名称,统一社会信用代码,资质类别及等级,发证机关,发证日期,有效期截止日期',
    '建筑施工企业安全生产许可证信息|许可证编号,企业名称,统一社会信用代码,主要负责人,许可范围,发证日期,有效期截止日期|T04',
    '商品房预售许可证信息|预售许可证号,开发企业名称,项目名称,项目坐落,预售面积,预售套数,发证日期',
    '建筑工程施工许可证信息|施工许可证编号,建设单位,工程名称,建设地址,合同价格,建筑面积,发证日期',
    '房地产开发企业资质信息|资质证书编号,企业名称,统一社会信用代码,资质等级,发证日期,有效期截止日期',
    '注册建造师信息|注册证书编号,姓名,公民身份号码,注册专业,聘用单位,注册日期,有效期截止日期',
    '物业服务项目信息|项目名称,物业服务企业名称,统一社会信用代码,项目地址,服务面积,合同起始日期,合同截止日期|T08',
    '住房公积金缴存信息|个人账号,姓名,公民身份号码,单位名称,缴存基数,月缴存额,账户状态,最近缴存日期',
  ]),
  D('city', '城市管理局', null, 1, [
    '城市道路挖掘许可信息|许可编号,申请单位,挖掘地点,挖掘面积,许可起始日期,许可截止日期',
    '户外广告设施设置许可信息|许可编号,设置单位,设置地点,广告规格,有效期截止日期',
    '生活垃圾处理设施信息|设施名称,设施类型,设计处理能力,所在地,运营单位|T10',
  ]),
  D('transport', '交通运输委员会', '交通运输厅', 3, [
    '道路运输经营许可信息|道路运输经营许可证号,业户名称,统一社会信用代码,经营范围,经营地址,发证机关,发证日期,有效期截止日期',
    '道路运输车辆营运证信息|道路运输证号,车牌号码,业户名称,车辆类型,核定载客人数,核定载质量,发证日期,有效期截止日期',
    '道路运输从业人员从业资格证信息|从业资格证号,姓名,公民身份号码,从业资格类别,发证机关,初次领证日期,有效期截止日期',
    '网络预约出租汽车运输证信息|运输证号,车牌号码,车辆所有人,平台公司名称,发证日期,有效期截止日期',
    '公路建设项目信息|项目名称,建设单位,路线编号,建设里程,总投资金额,开工日期,计划完工日期',
    '船舶营业运输证信息|证书编号,船舶名称,船舶经营人,船籍港,核定航区,发证日期,有效期截止日期',
  ]),
  D('water', '水利局', '水利厅', 1, [
    '取水许可证信息|取水许可证编号,取水权人,统一社会信用代码,取水地点,取水用途,年取水量,有效期截止日期',
    '河道采砂许可信息|许可证编号,采砂人,采砂河段,采砂量,有效期截止日期',
    '水库工程信息|水库名称,所在河流,总库容,工程规模,管理单位,建成日期|B03',
    '生产建设项目水土保持方案审批信息|审批文号,项目名称,建设单位,防治责任范围面积,审批日期|T10',
  ]),
  D('agri', '农业农村委员会', '农业农村厅', 2, [
    '农药经营许可证信息|许可证编号,经营者名称,统一社会信用代码,经营范围,经营场所,发证日期,有效期截止日期|T03',
    '兽药经营许可证信息|许可证号,企业名称,经营范围,经营地址,有效期截止日期',
    '农作物种子生产经营许可证信息|许可证编号,企业名称,统一社会信用代码,生产经营范围,有效区域,有效期截止日期',
    '家庭农场名录信息|农场名称,经营者姓名,统一社会信用代码,经营类型,经营面积,所在地',
    '动物防疫条件合格证信息|证书编号,单位名称,场所地址,经营范围,发证日期',
    '拖拉机和联合收割机登记信息|号牌号码,机型,所有人,登记日期,发证机关',
  ]),
  D('commerce', '商务委员会', '商务厅', 2, [
    '对外贸易经营者备案登记信息|备案登记表编号,经营者名称,统一社会信用代码,经营者类型,备案日期',
    '外商投资企业信息报告信息|统一社会信用代码,企业名称,投资者国别,投资总额,报告类型,报告日期',
    '单用途商业预付卡备案信息|备案编号,企业名称,统一社会信用代码,发卡类型,备案日期',
    '成品油零售经营批准证书信息|证书编号,企业名称,加油站名称,经营地址,有效期截止日期|T06',
    '二手车交易市场经营者备案信息|备案编号,经营者名称,经营地址,备案日期',
  ]),
  D('culture', '文化和旅游发展委员会', '文化和旅游厅', 2, [
    '旅行社业务经营许可证信息|许可证编号,旅行社名称,统一社会信用代码,法定代表人,经营范围,发证日期',
    '网络文化经营许可证信息|许可证编号,单位名称,统一社会信用代码,经营范围,发证日期,有效期截止日期',
    '娱乐经营许可证信息|许可证编号,场所名称,统一社会信用代码,经营地址,经营项目,有效期截止日期',
    '导游证信息|导游证号,姓名,语种,等级,发证日期,有效期截止日期',
    'A级旅游景区信息|景区名称,景区等级,景区地址,管理单位,评定日期',
    '文物保护单位信息|名称,保护级别,类别,年代,地址,公布日期|B03',
  ]),
  D('health', '卫生健康委员会', '卫生健康委员会', 4, [
    '出生医学证明信息|出生医学证明编号,新生儿姓名,性别,出生时间,出生地点,出生体重,母亲姓名,母亲公民身份号码,父亲姓名,父亲公民身份号码,签发机构,签发日期|B01',
    '医疗机构执业许可证信息|登记号,机构名称,统一社会信用代码,法定代表人,主要负责人,地址,诊疗科目,床位数,发证机关,有效期截止日期|T01',
    '医师执业证书信息|证书编码,姓名,公民身份号码,执业类别,执业范围,执业地点,发证机关,发证日期|T01',
    '护士执业证书信息|证书编号,姓名,公民身份号码,执业地点,发证日期,有效期截止日期',
    '预防接种信息|受种者姓名,公民身份号码,出生日期,疫苗名称,疫苗批号,接种剂次,接种日期,接种单位|T01',
    '公共场所卫生许可证信息|许可证号,单位名称,统一社会信用代码,经营地址,许可项目,发证日期,有效期截止日期',
    '死亡医学证明信息|证明编号,死者姓名,公民身份号码,死亡日期,死亡地点,根本死因,签发机构|B01',
    '母婴保健技术服务执业许可信息|许可证编号,机构名称,许可项目,发证日期,有效期截止日期',
  ]),
  D('veterans', '退役军人事务局', '退役军人事务厅', 1, [
    '退役军人信息|姓名,公民身份号码,入伍日期,退役日期,退役军人类别,安置地,安置方式',
    '退役军人优待证信息|优待证编号,姓名,公民身份号码,发证日期,证件状态',
    '烈士纪念设施信息|设施名称,保护级别,设施地址,管理单位,建成日期',
  ]),
  D('emergency', '应急管理局', '应急管理厅', 2, [
    '安全生产许可证信息|许可证编号,企业名称,统一社会信用代码,主要负责人,许可范围,发证日期,有效期截止日期|T04',
    '危险化学品经营许可证信息|许可证编号,企业名称,统一社会信用代码,经营方式,许可范围,发证日期,有效期截止日期|T04',
    '烟花爆竹经营许可证信息|许可证编号,单位名称,统一社会信用代码,经营类别,经营场所,有效期截止日期',
    '特种作业操作证信息|证号,姓名,公民身份号码,作业类别,准操项目,初领日期,有效期截止日期',
    '自然灾害灾情信息|灾害类型,发生时间,受灾地区,受灾人口数,死亡人数,直接经济损失金额,报送时间|T11',
    '安全生产行政处罚信息|处罚决定书文号,当事人名称,统一社会信用代码,违法事实,处罚内容,罚款金额,处罚日期|T04',
  ]),
  D('audit', '审计局', '审计厅', 1, [
    '审计项目信息|项目编号,项目名称,被审计单位,审计类型,审计开始日期,审计结束日期',
    '审计整改信息|问题编号,被审计单位,问题类型,整改措施,是否整改完成,整改日期',
  ]),
  D('foreign', '人民政府外事办公室', '人民政府外事办公室', 1, [
    '因公出国（境）团组信息|团组编号,组团单位,出访国家（地区）,出访人数,出访起始日期,出访截止日期',
    'APEC商务旅行卡信息|卡号,持卡人姓名,所在企业,签发日期,有效期截止日期',
  ]),
  D('sasac', '国有资产监督管理委员会', '国有资产监督管理委员会', 1, [
    '国有企业产权登记信息|统一社会信用代码,企业名称,出资人,国有资本金额,登记类型,登记日期',
    '监管企业基本信息|统一社会信用代码,企业名称,法定代表人,注册资本,主营业务,资产总额',
  ]),
  D('market', '市场监督管理局', '市场监督管理局', 8, [
    '企业营业执照信息|统一社会信用代码,企业名称,企业类型,法定代表人,注册资本,成立日期,营业期限起始日期,营业期限截止日期,登记机关,住所,经营范围,核准日期,登记状态|B02',
    '个体工商户营业执照登记信息|统一社会信用代码,个体工商户名称,经营者姓名,经营者公民身份号码,组成形式,经营场所,经营范围,注册日期,登记机关,登记状态|B02',
    '农民专业合作社营业执照信息|统一社会信用代码,合作社名称,法定代表人,成员出资总额,成立日期,住所,业务范围,登记机关|B02',
    '营业执照电子证照信息|证照标识,统一社会信用代码,企业名称,法定代表人,发证机关,发证日期,证照状态,电子证照文件|B05',
    '食品经营许可证信息|许可证编号,经营者名称,统一社会信用代码,法定代表人,经营场所,主体业态,经营项目,发证机关,发证日期,有效期截止日期|T03',
    '食品生产许可证信息|许可证编号,生产者名称,统一社会信用代码,法定代表人,生产地址,食品类别,发证机关,发证日期,有效期截止日期|T03',
    '企业年度报告信息|统一社会信用代码,企业名称,报告年度,从业人数,资产总额,营业总收入,纳税总额,是否公示,报送时间',
    '经营异常名录信息|统一社会信用代码,企业名称,列入经营异常名录原因,列入日期,作出决定机关,移出原因,移出日期|T07',
    '特种设备使用登记信息|使用登记证编号,设备类别,设备代码,使用单位名称,统一社会信用代码,设备使用地点,登记日期,登记机关',
    '企业变更登记信息|统一社会信用代码,企业名称,变更事项,变更前内容,变更后内容,变更日期,登记机关',
    '企业注销登记信息|统一社会信用代码,企业名称,注销原因,注销日期,登记机关',
    '市场监管行政处罚信息|行政处罚决定书文号,当事人名称,统一社会信用代码,违法行为类型,处罚内容,罚款金额,处罚决定日期,处罚机关|T07',
    '计量器具强制检定信息|器具名称,出厂编号,使用单位名称,检定结论,检定日期,有效期截止日期,检定机构',
    '工业产品生产许可证信息|许可证编号,企业名称,统一社会信用代码,产品名称,生产地址,发证日期,有效期截止日期',
  ]),
  D('radio', '广播电视局', '广播电视局', 1, [
    '广播电视节目制作经营许可证信息|许可证编号,机构名称,统一社会信用代码,经营范围,有效期截止日期',
    '广播电视频道信息|频道名称,开办机构,节目类型,呼号,批准日期',
  ]),
  D('sport', '体育局', '体育局', 1, [
    '高危险性体育项目经营许可信息|许可证编号,经营者名称,统一社会信用代码,项目名称,经营场所,发证日期,有效期截止日期',
    '公共体育场地设施信息|场地名称,场地类型,场地面积,地址,管理单位,是否免费开放',
    '社会体育指导员信息|证书编号,姓名,等级,指导项目,发证日期',
  ]),
  D('stats', '统计局', '统计局', 1, [
    '国民经济主要指标信息|指标名称,统计期,指标数值,计量单位,发布日期|B04',
    '统计调查单位名录信息|统一社会信用代码,单位名称,行业代码,单位规模,所在地,登记注册类型|B02',
    '人口抽样调查汇总信息|调查年度,地区,常住人口数,户数,城镇化率,发布日期|B04',
  ]),
  D('medins', '医疗保障局', '医疗保障局', 2, [
    '基本医疗保险参保信息|姓名,公民身份号码,参保类型,参保单位名称,参保状态,参保日期|T01',
    '医保定点医药机构信息|机构编码,机构名称,统一社会信用代码,机构类别,定点协议起始日期,定点协议截止日期|T01',
    '医疗费用结算信息|结算编号,参保人姓名,公民身份号码,医疗机构名称,医疗费用总额,统筹基金支付金额,结算时间',
    '医保电子凭证激活信息|姓名,公民身份号码,激活渠道,激活时间',
  ]),
  D('forest', '林业局', '林业和草原局', 1, [
    '林木采伐许可证信息|许可证号,采伐单位,采伐地点,采伐面积,采伐蓄积量,有效期截止日期',
    '林权登记信息|林权证号,林权权利人,林地坐落,林地面积,林种,登记日期|B03',
    '陆生野生动物人工繁育许可证信息|许可证号,单位名称,繁育物种,繁育地址,发证日期,有效期截止日期',
    '自然保护地信息|保护地名称,保护地类型,保护级别,面积,主要保护对象,批建日期|B03',
  ]),
  D('drug', '药品监督管理局', '药品监督管理局', 2, [
    '药品经营许可证信息|许可证编号,企业名称,统一社会信用代码,法定代表人,经营方式,经营范围,仓库地址,发证日期,有效期截止日期|T03',
    '药品生产许可证信息|许可证编号,企业名称,统一社会信用代码,生产地址,生产范围,发证日期,有效期截止日期|T03',
    '第二类医疗器械经营备案信息|备案编号,企业名称,统一社会信用代码,经营场所,经营范围,备案日期',
    '化妆品生产许可证信息|许可证编号,企业名称,统一社会信用代码,生产地址,许可项目,发证日期,有效期截止日期',
    '执业药师注册证信息|注册证编号,姓名,执业类别,执业范围,执业单位,有效期截止日期',
  ]),
  D('ip', '知识产权局', '知识产权局', 1, [
    '专利授权信息|专利号,专利名称,专利类型,专利权人,申请日期,授权公告日期',
    '注册商标信息|注册号,商标名称,商标注册人,核定使用商品类别,注册日期,专用权期限截止日期',
    '地理标志产品信息|产品名称,保护范围,批准公告号,批准日期',
  ]),
  D('bigdata', '大数据应用发展管理局', null, 2, [
    '政务数据资源目录信息|目录编码,目录名称,提供单位,共享类型,更新周期,发布日期',
    '电子证照目录信息|证照类型代码,证照类型名称,颁发机构,持证主体类型,发布日期|B05',
    '政务服务事项信息|事项编码,事项名称,事项类型,实施主体,办理时限,是否跨省通办',
  ]),
  D('offices', '机关事务管理局', '机关事务管理局', 1, [
    '公务用车信息|车牌号码,使用单位,车辆类型,购置日期,车辆状态',
    '党政机关办公用房信息|房产坐落,使用单位,建筑面积,权属状况,登记日期',
  ]),
  D('finreg', '地方金融监督管理局', '地方金融监督管理局', 1, [
    '小额贷款公司信息|统一社会信用代码,公司名称,法定代表人,注册资本,经营区域,批准日期',
    '融资担保公司信息|经营许可证编号,公司名称,统一社会信用代码,注册资本,发证日期',
    '典当行信息|经营许可证编号,典当行名称,统一社会信用代码,注册资本,经营地址',
  ]),
  D('rural', '乡村振兴局', '乡村振兴局', 1, [
    '防止返贫监测对象信息|户主姓名,公民身份号码,家庭人口数,监测对象类别,纳入监测日期,是否风险消除|T02',
    '乡村振兴衔接资金项目信息|项目名称,项目地点,资金规模金额,实施单位,开工日期,完工日期',
  ]),
  D('xinfang', '信访办公室', '信访局', 1, ['信访事项办理信息|信访件编号,信访人姓名,信访形式,问题属地,内容分类,登记日期,办结日期,办理状态']),
  D('grain', '粮食和物资储备局', '粮食和物资储备局', 1, [
    '粮食收购企业备案信息|备案编号,企业名称,统一社会信用代码,仓储地址,仓容量,备案日期',
    '地方储备粮库存信息|承储库点,粮食品种,库存数量,生产年份,统计日期',
    '救灾物资储备信息|储备库名称,物资名称,计量单位,储备数量,统计日期|T11',
  ]),
  D('energy', '能源局', '能源局', 1, [
    '电动汽车充电基础设施信息|充电站名称,运营单位,地址,充电桩数量,总功率,投运日期|T06',
    '能源项目核准信息|项目名称,项目单位,建设地点,装机容量,核准文号,核准日期|T06',
    '煤矿生产能力信息|煤矿名称,所在地,核定生产能力,安全生产许可证编号,核定日期|T04',
  ]),
  D('rfb', '人民防空办公室', '人民防空办公室', 1, [
    '人民防空工程信息|工程名称,工程类别,建筑面积,地址,维护管理单位,竣工日期',
    '防空警报设施信息|设施编号,安装地点,设施类型,安装日期,设施状态',
  ]),
  D('port', '政府口岸和物流办公室', null, 1, [
    '口岸通关运行信息|口岸名称,通关方式,进出境货运量,统计日期',
    '物流园区信息|园区名称,运营主体,占地面积,所在地,园区类型',
  ]),
  D('prison', '监狱管理局', '监狱管理局', 1, [
    '监狱基本信息|监狱名称,关押类别,地址,设计容量,建成日期',
    '刑满释放人员衔接信息|姓名,公民身份号码,释放日期,户籍地,衔接状态',
  ]),
  D('drugrehab', '戒毒管理局', '戒毒管理局', 1, [
    '强制隔离戒毒所信息|戒毒所名称,地址,收治类别,床位数',
    '戒毒康复人员信息|姓名,公民身份号码,戒毒类别,入所日期,出所日期',
  ]),
  D('invest', '招商投资促进局', '经济合作局', 1, [
    '招商引资项目信息|项目名称,投资方名称,投资金额,项目类型,签约日期,项目状态',
    '重点招商企业信息|统一社会信用代码,企业名称,所属行业,签约日期',
  ]),
  D('weather', '气象局', '气象局', 1, [
    '地面气象观测信息|站号,站名,观测时间,气温,降水量,相对湿度,风向,风速|T11',
    '气象灾害预警信号信息|预警编号,预警类型,预警级别,发布单位,发布时间,解除时间,影响区域|T11',
    '防雷装置检测资质信息|资质证编号,单位名称,统一社会信用代码,资质等级,发证日期,有效期截止日期',
  ]),
  D('quake', '地震局', '地震局', 1, [
    '地震监测台站信息|台站代码,台站名称,经度,纬度,观测项目,建台日期',
    '地震事件信息|发震时间,震中位置,经度,纬度,震级,震源深度|T11',
  ]),
  D('fire', '消防救援总队', '消防救援总队', 1, [
    '公众聚集场所投入使用营业前消防安全检查信息|许可文书编号,场所名称,统一社会信用代码,场所地址,建筑面积,检查日期,检查结论',
    '消防安全重点单位信息|单位名称,统一社会信用代码,消防安全责任人,单位地址,重点单位类别|T04',
    '消防监督检查信息|检查编号,被检查单位,检查日期,检查结果,责令整改内容',
  ]),
  D('archive', '档案局', '档案局', 1, [
    '馆藏档案目录信息|档号,题名,责任者,形成日期,保管期限,开放状态',
    '档案利用登记信息|利用人姓名,利用目的,档号,利用日期,利用方式',
  ]),
  D('survey', null, '测绘地理信息局', 1, [
    '基础测绘成果目录信息|成果名称,成果类型,比例尺,覆盖范围,生产日期,保密级别|B03',
    '测绘资质信息|资质证书编号,单位名称,统一社会信用代码,资质等级,专业类别,有效期截止日期',
  ]),
];

// Sub-provincial places (GB/T 2260 codes). Used as name qualifiers (and 细目) and as the seats
// of a few district/city-level departments. Keyed by the province's first two digits.
interface Place {
  code: string;
  name: string;
}

const PLACES: Readonly<Record<string, readonly Place[]>> = {
  '50': [
    ['500101', '万州区'],
    ['500102', '涪陵区'],
    ['500103', '渝中区'],
    ['500104', '大渡口区'],
    ['500105', '江北区'],
    ['500106', '沙坪坝区'],
    ['500107', '九龙坡区'],
    ['500108', '南岸区'],
    ['500109', '北碚区'],
    ['500110', '綦江区'],
    ['500111', '大足区'],
    ['500112', '渝北区'],
    ['500113', '巴南区'],
    ['500114', '黔江区'],
    ['500115', '长寿区'],
    ['500116', '江津区'],
    ['500117', '合川区'],
    ['500118', '永川区'],
    ['500119', '南川区'],
    ['500120', '璧山区'],
    ['500151', '铜梁区'],
    ['500152', '潼南区'],
    ['500153', '荣昌区'],
    ['500154', '开州区'],
    ['500155', '梁平区'],
    ['500156', '武隆区'],
  ].map(([code, name]) => ({ code: code as string, name: name as string })),
  '51': [
    ['510100', '成都市'],
    ['510300', '自贡市'],
    ['510400', '攀枝花市'],
    ['510500', '泸州市'],
    ['510600', '德阳市'],
    ['510700', '绵阳市'],
    ['510800', '广元市'],
    ['510900', '遂宁市'],
    ['511000', '内江市'],
    ['511100', '乐山市'],
    ['511300', '南充市'],
    ['511400', '眉山市'],
    ['511500', '宜宾市'],
    ['511600', '广安市'],
    ['511700', '达州市'],
    ['511800', '雅安市'],
    ['511900', '巴中市'],
    ['512000', '资阳市'],
    ['513200', '阿坝藏族羌族自治州'],
    ['513300', '甘孜藏族自治州'],
    ['513400', '凉山彝族自治州'],
  ].map(([code, name]) => ({ code: code as string, name: name as string })),
};

// Local (district/city-level) departments that publish into the provincial catalogue.
// `place` is the full local name; `short` qualifies resource names.
interface LocalDepartmentDef {
  code: string;
  place: string;
  short: string;
  key: string;
  suffix: string;
  weight: number;
}

const LOCAL_DEPARTMENTS: Readonly<Record<string, readonly LocalDepartmentDef[]>> = {
  '50': [
    { code: '500103', place: '渝中区', short: '渝中区', key: 'market', suffix: '市场监督管理局', weight: 2 },
    { code: '500112', place: '渝北区', short: '渝北区', key: 'market', suffix: '市场监督管理局', weight: 2 },
    { code: '500101', place: '万州区', short: '万州区', key: 'market', suffix: '市场监督管理局', weight: 1 },
    { code: '500105', place: '江北区', short: '江北区', key: 'hr', suffix: '人力资源和社会保障局', weight: 1 },
    { code: '500106', place: '沙坪坝区', short: '沙坪坝区', key: 'health', suffix: '卫生健康委员会', weight: 1 },
    { code: '500107', place: '九龙坡区', short: '九龙坡区', key: 'land', suffix: '规划和自然资源局', weight: 1 },
    { code: '500108', place: '南岸区', short: '南岸区', key: 'civil', suffix: '民政局', weight: 1 },
  ],
  '51': [
    { code: '510100', place: '成都市', short: '成都市', key: 'market', suffix: '市场监督管理局', weight: 2 },
    { code: '510104', place: '成都市锦江区', short: '锦江区', key: 'market', suffix: '市场监督管理局', weight: 1 },
    { code: '510500', place: '泸州市', short: '泸州市', key: 'market', suffix: '市场监督管理局', weight: 1 },
    { code: '510107', place: '成都市武侯区', short: '武侯区', key: 'hr', suffix: '人力资源和社会保障局', weight: 1 },
    { code: '510700', place: '绵阳市', short: '绵阳市', key: 'health', suffix: '卫生健康委员会', weight: 1 },
    { code: '510600', place: '德阳市', short: '德阳市', key: 'land', suffix: '自然资源和规划局', weight: 1 },
    { code: '511300', place: '南充市', short: '南充市', key: 'civil', suffix: '民政局', weight: 1 },
  ],
};

// ---------------------------------------------------------------------------------------------
// Templates, prepared once.

const TEMPLATES_BY_KEY: ReadonlyMap<string, readonly Template[]> = (() => {
  const tagCounters = new Map<string, number>();
  const out = new Map<string, Template[]>();
  for (const d of DEPARTMENTS) {
    out.set(
      d.key,
      parseTemplates(d.resources).map((t) => {
        let tagCatalog = 0;
        if (t.tag !== null) {
          tagCatalog = (tagCounters.get(t.tag) ?? 0) + 1;
          tagCounters.set(t.tag, tagCatalog);
        }
        return { ...t, tagCatalog };
      }),
    );
  }
  return out;
})();

for (const [key, ts] of TEMPLATES_BY_KEY) {
  for (const t of ts) if (!t.name.endsWith('信息')) throw new Error(`demo data: template ${key} ${t.name} must end in 信息`);
}

const BUSINESS_LICENCE = '营业执照';

// ---------------------------------------------------------------------------------------------
// Departments with USCCs

export interface DemoDepartment {
  /** 项 code of this department in 部门信息资源 classifications (01–99). */
  item: string;
  key: string;
  name: string;
  /** GB 32100 code: registration authority 1 (机构编制), category 1 (机关). */
  uscc: string;
  divisionCode: string;
  /** Short place name for local departments, null for provincial ones. */
  place: string | null;
  weight: number;
  templates: readonly Template[];
}

// GB 11714-1997 organisation code check character: weights 3,7,9,10,5,8,4,2;
// C9 = 11 − (Σ mod 11), with 10 → X and 11 → 0. Real 机关 codes carry it in positions 9–17.
function gb11714Check(body8: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 8; i += 1) s += Number(body8.charAt(i)) * (w[i] as number);
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

export interface DemoProvinceOptions {
  divisionCode: string;
  provinceName: string;
  seed: number;
}

/**
 * The province's departments with their USCCs. Depends only on the seed and the province, not on
 * the number of entries, so a department keeps its code however much data is generated.
 */
export function demoDepartments(opts: DemoProvinceOptions): DemoDepartment[] {
  const { divisionCode, provinceName, seed } = opts;
  if (!/^[1-9]\d0000$/.test(divisionCode)) throw new RangeError('divisionCode must be a province code like 500000');
  // A municipality (直辖市) names departments 市…局/委员会; a province 省…厅/局/委员会.
  const municipality = provinceName.endsWith('市');
  const rng = mulberry32((seed ^ 0x5bd1e995) >>> 0);
  const used = new Set<string>();
  const uscc = (division: string): string => {
    for (;;) {
      let body = '';
      for (let i = 0; i < 8; i += 1) body += String(int(rng, 10));
      const code = makeUscc(`11${division}${body}${gb11714Check(body)}`);
      if (!used.has(code)) {
        used.add(code);
        return code;
      }
    }
  };

  const out: DemoDepartment[] = [];
  const add = (key: string, name: string, division: string, place: string | null, weight: number) => {
    const templates = TEMPLATES_BY_KEY.get(key);
    if (!templates) throw new Error(`demo data: no templates for ${key}`);
    out.push({ item: pad(out.length + 1, 2), key, name, uscc: uscc(division), divisionCode: division, place, weight, templates });
  };
  for (const d of DEPARTMENTS) {
    const suffix = municipality ? d.muni : d.prov;
    if (suffix !== null) add(d.key, `${provinceName}${suffix}`, divisionCode, null, d.weight);
  }
  for (const l of LOCAL_DEPARTMENTS[divisionCode.slice(0, 2)] ?? []) {
    // In a municipality a district's departments carry the city name (重庆市渝中区…); in a
    // province a prefecture-level city's carry their own (成都市…).
    const name = municipality ? `${provinceName}${l.place}${l.suffix}` : `${l.place}${l.suffix}`;
    add(l.key, name, l.code, l.short, l.weight);
  }
  if (out.length > 99) throw new Error('demo data: more than 99 departments cannot be coded as 项');
  return out;
}

// Entries

export interface DemoOptions extends DemoProvinceOptions {
  count: number;
  /**
   * The seeding time: the upper bound for dates, and what each entry's last update is recent against
   * (its update cycle's promise, docs/DATA-QUALITY.md). Defaults to the end of 2025, so output never
   * depends on the clock unless a time is passed.
   */
  now?: Date;
}

const CONDITIONS = [
  '仅用于政务服务事项办理，需经提供方审核',
  '仅限有关部门依法履行职责使用，需提交共享申请并经提供方审核同意',
  '限于川渝通办、跨省通办业务核验使用，不得用于其他用途',
  '需签订数据共享安全保密协议，按最小必要原则提供',
  '仅提供核验接口服务，不提供批量数据',
  '涉及个人信息，需经信息主体授权后使用',
  '仅用于行政执法和市场监管，使用部门须落实数据安全保护责任',
];

// 重要数据 is shared only on conditions that include an approval (数据安全法 第三十条; GB/T 43697-2024).
const IMPORTANT_CONDITIONS = [
  '属于重要数据，需经数据主管部门审批并签订数据安全保护协议后共享，按最小必要原则提供',
  '属于重要数据，仅提供核验接口服务，使用部门须经审批并落实数据安全保护责任',
  '涉及敏感个人信息，需经审批并取得信息主体单独同意后使用，不提供批量数据',
];

// Guideline: 不予共享 must state its legal or policy basis.
const NOT_SHARED_BASES: Readonly<Record<DataGrade, readonly string[]>> = {
  GENERAL: [
    '依据《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条，经审核列为不予共享类',
    '依据《中华人民共和国统计法》第二十五条，涉及单个统计调查对象的资料，不予共享',
  ],
  IMPORTANT: [
    '依据《中华人民共和国个人信息保护法》第二十八条，涉及敏感个人信息，不予共享',
    '依据《中华人民共和国数据安全法》第二十一条，属于重要数据，不予共享',
  ],
  CORE: [
    '依据《中华人民共和国数据安全法》第二十一条，属于核心数据，实行更加严格的管理制度，不予共享',
    '依据《中华人民共和国保守国家秘密法》，涉及国家秘密，不予共享',
  ],
};

const PURPOSES = [
  '政务服务事项办理',
  '川渝通办和跨省通办业务核验',
  '跨部门业务协同',
  '事中事后监管和执法',
  '社会信用体系建设',
  '宏观决策和统计分析',
  '基层治理和公共服务',
];

// Qualifiers that make a resource name narrower (政务信息资源目录 names: 企业营业执照变更信息（增量）,
// …（2023年度）). Every one is a scope token of domain/quality/names.ts, so two names of one department
// that differ in them are two resources to the analysis too.
const NAME_VARIANTS = ['变更', '历史', '汇总', '统计'];
const NAME_SCOPES = ['（增量）', '（全量）', '（存量）', '（核验）', '（查询）'];

// The primary stream's sharing draw (60/30/10), as it was before grades: kept to decide which later
// draws the stream makes, so every entry keeps its id, classification and dates.
const legacySharing = (u: number): SharingType => (u < 0.6 ? 'UNCONDITIONAL' : u < 0.9 ? 'CONDITIONAL' : 'NOT_SHARED');

// Sharing within what the grade allows (domain/grading.ts MOST_OPEN_SHARING), from the same uniform
// draw: one a GENERAL entry drew as 无条件共享 stays so.
function sharingFor(grade: DataGrade, u: number): SharingType {
  if (grade === 'CORE') return 'NOT_SHARED';
  if (grade === 'IMPORTANT') return u < 0.7 ? 'CONDITIONAL' : 'NOT_SHARED';
  return u < 0.8 ? 'UNCONDITIONAL' : u < 0.96 ? 'CONDITIONAL' : 'NOT_SHARED';
}

const sharingMethod = weighted<SharingMethod>([
  ['API', 45],
  ['DATABASE_EXCHANGE', 25],
  ['FILE_DOWNLOAD', 15],
  ['ONLINE_QUERY', 15],
]);
const updateCycle = weighted<UpdateCycle>([
  ['REALTIME', 12],
  ['DAILY', 40],
  ['WEEKLY', 8],
  ['MONTHLY', 15],
  ['QUARTERLY', 8],
  ['YEARLY', 10],
  ['IRREGULAR', 7],
]);
const format = weighted<ResourceFormat>([
  ['DATABASE', 60],
  ['SPREADSHEET', 14],
  ['ELECTRONIC_FILE', 14],
  ['IMAGE', 5],
  ['STREAM', 2],
  ['OTHER', 5],
]);
// 开放属性 within the grade's bound (MOST_OPEN_OPENING): 重要数据 is rarely opened even on conditions.
const openFor = (grade: DataGrade, st: SharingType): ((rng: Rng) => OpenType) => {
  if (st === 'NOT_SHARED' || grade === 'CORE') return () => 'NOT_OPEN';
  if (st === 'UNCONDITIONAL') return OPEN_UNCONDITIONAL;
  return grade === 'IMPORTANT' ? OPEN_IMPORTANT : OPEN_CONDITIONAL;
};
const OPEN_UNCONDITIONAL = weighted<OpenType>([
  ['OPEN', 35],
  ['CONDITIONAL_OPEN', 30],
  ['NOT_OPEN', 35],
]);
const OPEN_CONDITIONAL = weighted<OpenType>([
  ['CONDITIONAL_OPEN', 40],
  ['NOT_OPEN', 60],
]);
const OPEN_IMPORTANT = weighted<OpenType>([
  ['CONDITIONAL_OPEN', 15],
  ['NOT_OPEN', 85],
]);

// GB/T 43697-2024 grades by subject. 核心数据: 人民防空 works and alarms (military facilities, 国家秘密),
// basic surveying results (高精度地理信息, 测绘成果保密), state grain reserves (粮食安全, 国民经济命脉).
const CORE_SUBJECTS: ReadonlySet<string> = new Set(['人民防空工程信息', '防空警报设施信息', '基础测绘成果目录信息', '地方储备粮库存信息']);
// 重要数据 besides sensitive personal information in bulk: critical infrastructure and its operation,
// natural resources and geo data at parcel or site level, energy and emergency reserves, custodial sites.
const IMPORTANT_SUBJECTS: ReadonlySet<string> = new Set([
  '土地利用现状信息',
  '地质灾害隐患点信息',
  '水库工程信息',
  '地震监测台站信息',
  '重点用能单位能耗信息',
  '煤矿生产能力信息',
  '口岸通关运行信息',
  '救灾物资储备信息',
  '消防安全重点单位信息',
  '监狱基本信息',
  '强制隔离戒毒所信息',
]);

/**
 * The grade a compiler gives by subject and content (GB/T 43697-2024 §6): core subjects; important
 * subjects; any data item holding sensitive personal information (PIPL 第二十八条), which in a
 * government catalogue is always held in bulk; everything else 一般数据.
 */
export function demoGradeOf(subject: string, items: readonly DataItem[]): DataGrade {
  if (CORE_SUBJECTS.has(subject)) return 'CORE';
  if (IMPORTANT_SUBJECTS.has(subject) || items.some((i) => i.personalInfo === 'SENSITIVE')) return 'IMPORTANT';
  return 'GENERAL';
}

const DAY_MS = 86_400_000;
const FIRST_PUBLISH = Date.UTC(2018, 0, 1);
const DEFAULT_END = Date.UTC(2025, 11, 31, 23, 59, 59);
// Every 25th entry is a business-licence resource, so ≥ 4 % of names contain 营业执照 whatever the
// seed (the main demo query searches it); market departments add more on their own.
const LICENCE_EVERY = 25;
const MAX_SEQUENCE = 999_999;

/** Chooses k of the items: the first three (identifying items) always, the rest in order. */
function chooseItems(rng: Rng, items: readonly DataItem[]): DataItem[] {
  const max = Math.min(12, items.length);
  const k = 3 + int(rng, max - 2);
  const out = items.slice(0, 3).map((i) => ({ ...i }));
  let need = k - 3;
  for (let i = 3; i < items.length && need > 0; i += 1) {
    // Selection sampling (Knuth 3.4.2 algorithm S): uniform subset, original order kept.
    if (rng() * (items.length - i) < need) {
      out.push({ ...(items[i] as DataItem) });
      need -= 1;
    }
  }
  return out;
}

const itemOf = (name: string): DataItem => ({ name, dataType: dataTypeOf(name), personalInfo: personalInfoOf(name) });

function abstractOf(providerName: string, name: string, items: readonly DataItem[], cycle: UpdateCycle, purpose: string): string {
  const itemNames = items
    .slice(0, 4)
    .map((d) => d.name)
    .join('、');
  return `${providerName}在履行职责过程中产生和管理的${name}，主要包括${itemNames}等信息项，${UPDATE_CYCLE_LABELS[cycle]}更新，可用于${purpose}。`;
}

/** A seeded quality defect as the generator placed it (domain/demo/quality-defects.ts reads the log). */
export type DemoDefectRecord =
  | { kind: 'MISSING_ABSTRACT' | 'NO_DATA_ITEMS' | 'CONDITION_MISSING' | 'PROVIDER_CODE_INVALID' | 'STALE'; id: string }
  | { kind: 'WITHIN_DUPLICATE'; id: string; originalId: string; naming: 'SAME' | 'NEAR' }
  | { kind: 'JOINT'; id: string; key: string };

export interface DemoCatalogue {
  entries: CatalogueEntryRecord[];
  /** The seeded defects in the order they were placed. */
  defects: DemoDefectRecord[];
}

/**
 * Names of one province's catalogue: distinct, as real catalogues qualify one subject by place,
 * qualifier, scope and year. Each department's subject has its own counter through the combinations,
 * so a name costs O(1) amortised even at 100,000 entries.
 */
class NameBook {
  readonly used = new Set<string>();
  private readonly next = new Map<string, number>();
  private readonly dims = new Map<string, { variants: string[]; scopes: string[]; years: (number | null)[]; prefixes: string[] }>();
  constructor(
    private readonly places: readonly Place[],
    private readonly firstYear: number,
    private readonly lastYear: number,
  ) {}

  // Every template subject ends in 信息 (checked when the templates are prepared).
  private build(prefix: string, stem: string, variant: string, scope: string, year: number | null): string {
    return `${prefix}${stem}${variant}信息${scope}${year === null ? '' : `（${year}年度）`}`;
  }

  /**
   * The drawn name if free, else the next free combination for this department's subject. `prefix`
   * null lets the combinations also narrow the name to a place.
   */
  name(key: string, subject: string, prefix: string | null, drawnVariant: string, drawnYear: number | null): string {
    const stem = subject.endsWith('信息') ? subject.slice(0, -2) : subject;
    const drawn = this.build(prefix ?? '', stem, stem.includes(drawnVariant) ? '' : drawnVariant, '', drawnYear);
    if (!this.used.has(drawn)) return this.take(drawn);
    const k = `${key}|${prefix ?? '*'}`;
    let dims = this.dims.get(k);
    if (dims === undefined) {
      const years: (number | null)[] = [null];
      for (let y = this.lastYear; y >= this.firstYear; y -= 1) years.push(y);
      dims = {
        variants: ['', ...NAME_VARIANTS.filter((v) => !stem.includes(v))],
        scopes: ['', ...NAME_SCOPES],
        years,
        prefixes: prefix !== null ? [prefix] : ['', ...this.places.map((p) => p.name)],
      };
      this.dims.set(k, dims);
    }
    const { variants, scopes, years, prefixes } = dims;
    const total = variants.length * scopes.length * years.length * prefixes.length;
    let i = this.next.get(k) ?? 1;
    for (; i < total; i += 1) {
      let r = i;
      const v = variants[r % variants.length] as string;
      r = Math.floor(r / variants.length);
      const s = scopes[r % scopes.length] as string;
      r = Math.floor(r / scopes.length);
      const y = years[r % years.length] as number | null;
      r = Math.floor(r / years.length);
      const p = prefixes[r] as string;
      const c = this.build(p, stem, v, s, y);
      if (!this.used.has(c)) {
        this.next.set(k, i + 1);
        return this.take(c);
      }
    }
    // Every combination taken (only far beyond the real sizes): number the batches.
    for (let n = Math.max(2, i - total + 2); ; n += 1) {
      const c = `${drawn}（第${n}批）`;
      if (!this.used.has(c)) {
        this.next.set(k, total + n - 1);
        return this.take(c);
      }
    }
  }

  take(name: string): string {
    this.used.add(name);
    return name;
  }
}

/** The demo catalogue with the log of its seeded quality defects (docs/DATA-QUALITY.md). */
export function generateDemoCatalogue(opts: DemoOptions): DemoCatalogue {
  const { divisionCode, count, seed, provinceName } = opts;
  if (!Number.isInteger(count) || count < 0 || count > MAX_SEQUENCE) {
    throw new RangeError(`count must be an integer 0–${MAX_SEQUENCE} (6-digit sequence)`);
  }
  const end = opts.now ? opts.now.getTime() : DEFAULT_END;
  if (!(end > FIRST_PUBLISH + DAY_MS)) throw new RangeError('now must be after 2018-01-02');
  const endDay = Math.floor(end / DAY_MS) * DAY_MS;
  const publishDays = Math.floor((endDay - FIRST_PUBLISH) / DAY_MS) + 1;
  const municipality = provinceName.endsWith('市');

  const departments = demoDepartments(opts);
  const places = PLACES[divisionCode.slice(0, 2)] ?? [];
  const pickDept = weighted(departments.map((d) => [d, d.weight] as const));
  const licenceDepts = departments.filter((d) => d.templates.some((t) => t.name.includes(BUSINESS_LICENCE)));
  const recentCodes = new Map<DemoDepartment, string[]>();
  // Two streams. `rng`, the primary one, makes exactly the draws it made before grades and quality
  // defects existed, so ids, classifications and dates stay what the README and tests cite; grades,
  // sharing, opening and recent updates come from `attr`; the seeded defects from their plan.
  const rng = mulberry32(seed >>> 0);
  const attr = mulberry32((seed ^ 0x6a09e667) >>> 0);
  const defectRng = mulberry32((seed ^ 0x3c6ef372) >>> 0);
  const names = new NameBook(places, 2018, new Date(endDay).getUTCFullYear());
  const pending = defectPlan(seed);
  const defects: DemoDefectRecord[] = [];
  // Per department, its latest clean entry (a candidate original for a duplicate); per duplicate group, its original.
  const lastClean = new Map<DemoDepartment, CatalogueEntryRecord>();
  const groupOriginal = new Map<number, CatalogueEntryRecord>();
  const out: CatalogueEntryRecord[] = new Array(count);

  for (let i = 0; i < count; i += 1) {
    const sequence = i + 1;
    let dept: DemoDepartment;
    let templateIndex: number;
    if (sequence % LICENCE_EVERY === 0 && licenceDepts.length > 0) {
      dept = pick(rng, licenceDepts);
      const licence = dept.templates.map((t, j) => [t, j] as const).filter(([t]) => t.name.includes(BUSINESS_LICENCE));
      templateIndex = (pick(rng, licence) as readonly [Template, number])[1];
    } else {
      dept = pickDept(rng);
      templateIndex = int(rng, dept.templates.length);
    }
    const template = dept.templates[templateIndex] as Template;

    // Name qualifiers as drawn: a provincial department's resource narrowed to a place (the place
    // becomes the 细目); a district's or city's own department names itself (重庆市万州区市场监督管理局…).
    let prefix: string | null = null;
    let detail: string | null = null;
    if (dept.place !== null) {
      rng(); // once chose between the short place and none; the department's full name is used now
      prefix = dept.name;
    } else if (places.length > 0 && rng() < 0.25) {
      const p = int(rng, places.length);
      prefix = (places[p] as Place).name;
      detail = pad(p + 1, 3);
    }
    let variant = '';
    if (rng() < 0.12 && template.name.endsWith('信息')) variant = pick(rng, NAME_VARIANTS);

    // Classification: departmental (3 + 部门 + 目) mostly; basic/thematic for tagged resources.
    let classification: string;
    if (template.tag !== null && rng() < 0.3) {
      classification = `${template.tag.charAt(0) === 'B' ? '1' : '2'}${template.tag.slice(1)}${pad(template.tagCatalog, 3)}`;
    } else {
      classification = `3${dept.item}${pad(templateIndex + 1, 3)}`;
    }
    if (detail !== null) classification += detail;
    let resourceCode = `${classification}/${pad(sequence, 6)}`;

    const sharingDraw = rng();
    const legacySt = legacySharing(sharingDraw);
    const cycle = updateCycle(rng);
    const dataItems = chooseItems(rng, template.items);

    const publishMs = FIRST_PUBLISH + int(rng, publishDays) * DAY_MS;
    const publishDate = new Date(publishMs).toISOString().slice(0, 10);
    const yearly = cycle === 'YEARLY' && rng() < 0.4;
    const name = names.name(`${dept.item}|${templateIndex}`, template.name, prefix, variant, yearly ? Number(publishDate.slice(0, 4)) : null);
    // Created during Beijing office hours (01:00–09:59 UTC) on the publish date.
    const createdMs = Math.min(end, publishMs + 3_600_000 + int(rng, 9 * 3600) * 1000);
    const withdrawn = rng() < 0.01;
    let updatedMs = createdMs;
    if (withdrawn || rng() < 0.3) updatedMs = Math.min(end, createdMs + (1 + int(rng, 400)) * DAY_MS - int(rng, 3600) * 1000);
    if (updatedMs < createdMs) updatedMs = createdMs;
    // An entry keeps the promise of its update cycle: last updated within 90 % of two cycles before
    // `now` (an 不定期 one whenever it was).
    if (cycle !== 'IRREGULAR') {
      updatedMs = Math.max(createdMs, end - Math.floor(attr() * 0.9 * TWO_CYCLES_DAYS[cycle] * DAY_MS));
    }

    const related: string[] = [];
    const recent = recentCodes.get(dept) ?? [];
    if (recent.length > 0 && rng() < 0.25) {
      const n = 1 + int(rng, Math.min(3, recent.length));
      for (let r = 0; r < n; r += 1) {
        const c = pick(rng, recent);
        if (!related.includes(c)) related.push(c);
      }
    }
    recent.push(resourceCode);
    if (recent.length > 8) recent.shift();
    recentCodes.set(dept, recent);

    const purpose = pick(rng, PURPOSES);
    const grade = demoGradeOf(template.name, dataItems);
    const st = sharingFor(grade, sharingDraw);
    const fmt = format(rng);
    if (legacySt !== 'UNCONDITIONAL') rng(); // once chose the condition
    const method = sharingMethod(rng);
    if (legacySt !== 'NOT_SHARED') rng(); // once chose the open type
    const condition =
      st === 'UNCONDITIONAL'
        ? null
        : st === 'CONDITIONAL'
          ? pick(attr, grade === 'IMPORTANT' ? IMPORTANT_CONDITIONS : CONDITIONS)
          : pick(attr, NOT_SHARED_BASES[grade]);

    let rec: CatalogueEntryRecord = {
      id: formatEntryId(divisionCode, resourceCode),
      resourceCode,
      divisionCode,
      kind: 'ORIGINAL',
      name,
      classification,
      providerName: dept.name,
      providerCode: dept.uscc,
      providerDivisionCode: dept.divisionCode,
      abstract: abstractOf(dept.name, name, dataItems, cycle, purpose),
      format: fmt,
      dataItems,
      sharingType: st,
      sharingCondition: condition,
      sharingMethod: method,
      openType: openFor(grade, st)(attr),
      updateCycle: cycle,
      publishDate,
      relatedCodes: related,
      grade,
      version: 1,
      status: withdrawn ? 'WITHDRAWN' : 'ACTIVE',
      createdAt: new Date(createdMs).toISOString(),
      updatedAt: new Date(updatedMs).toISOString(),
      mirrorSourceId: null,
      mirrorRegisteredSourceVersion: null,
      mirrorRegisteredBy: null,
      mirrorRegisteredAt: null,
      mirrorState: null,
      mirrorPendingSourceVersion: null,
      mirrorApprovalRef: null,
    };

    // The seeded defects: the first planned one due and eligible here, at most one per entry.
    let defective = false;
    if (rec.status === 'ACTIVE') {
      for (let d = 0; d < pending.length; d += 1) {
        const spec = pending[d] as DefectSpec;
        if (spec.from > sequence) break;
        const ctx: DefectContext = { rec, dept, template, departments, municipality, provinceName, end, defectRng, names, lastClean, groupOriginal };
        const applied = applyDefect(spec, ctx);
        if (applied === null) continue;
        pending.splice(d, 1);
        defective = true;
        if (applied.record.resourceCode !== resourceCode) {
          recent[recent.length - 1] = applied.record.resourceCode; // pushed last above
          resourceCode = applied.record.resourceCode;
        }
        rec = applied.record;
        defects.push(applied.log);
        break;
      }
    }
    if (!defective && rec.status === 'ACTIVE' && rec.grade !== 'CORE') lastClean.set(dept, rec);
    out[i] = rec;
  }
  return { entries: out, defects };
}

export function generateDemoEntries(opts: DemoOptions): CatalogueEntryRecord[] {
  return generateDemoCatalogue(opts).entries;
}

// ---------------------------------------------------------------------------------------------
// Seeded quality defects (domain/demo/defect-plan.ts; docs/DATA-QUALITY.md)

interface DefectContext {
  rec: CatalogueEntryRecord;
  dept: DemoDepartment;
  template: Template;
  departments: readonly DemoDepartment[];
  municipality: boolean;
  provinceName: string;
  end: number;
  defectRng: Rng;
  names: NameBook;
  lastClean: Map<DemoDepartment, CatalogueEntryRecord>;
  groupOriginal: Map<number, CatalogueEntryRecord>;
}

/** The defective record and its log line, or null when the entry is not eligible for the defect. */
function applyDefect(spec: DefectSpec, c: DefectContext): { record: CatalogueEntryRecord; log: DemoDefectRecord } | null {
  const r = c.rec;
  const plain = (record: CatalogueEntryRecord, kind: 'MISSING_ABSTRACT' | 'NO_DATA_ITEMS' | 'CONDITION_MISSING' | 'PROVIDER_CODE_INVALID' | 'STALE') => ({
    record,
    log: { kind, id: record.id },
  });
  switch (spec.kind) {
    case 'MISSING_ABSTRACT':
      return plain({ ...r, abstract: spec.abstract === 'NAME' ? r.name : spec.abstract }, 'MISSING_ABSTRACT');
    case 'NO_DATA_ITEMS':
      return plain({ ...r, dataItems: spec.items.map((n) => ({ name: n, dataType: 'STRING', personalInfo: 'NONE' })) }, 'NO_DATA_ITEMS');
    case 'CONDITION_MISSING':
      if (r.sharingType !== spec.sharingType || r.grade === 'CORE') return null;
      return plain({ ...r, sharingCondition: spec.condition }, 'CONDITION_MISSING');
    case 'PROVIDER_ENTERPRISE_CODE': {
      // The platform operator's code typed in the provider's field: GB 32100 authority 9 (工商), category 1 (企业).
      let body = '';
      for (let k = 0; k < 8; k += 1) body += String(int(c.defectRng, 10));
      return plain({ ...r, providerCode: makeUscc(`91${r.providerDivisionCode}${body}${gb11714Check(body)}`) }, 'PROVIDER_CODE_INVALID');
    }
    case 'PROVIDER_FORMER_NAME': {
      const former = FORMER_DEPARTMENT_NAMES[c.dept.key];
      if (c.dept.place !== null || former === undefined) return null;
      return plain({ ...r, providerName: `${c.provinceName}${former[c.municipality ? 0 : 1]}` }, 'PROVIDER_CODE_INVALID');
    }
    case 'STALE': {
      if (r.updateCycle === 'IRREGULAR') return null;
      const updatedMs = c.end - (TWO_CYCLES_DAYS[r.updateCycle] + spec.overdueDays) * DAY_MS;
      let createdMs = Date.parse(r.createdAt);
      let publishDate = r.publishDate;
      if (createdMs > updatedMs) {
        // Catalogued before it fell behind: published a few months before its last update.
        const publishMs = Math.floor(updatedMs / DAY_MS) * DAY_MS - (30 + int(c.defectRng, 300)) * DAY_MS;
        publishDate = new Date(publishMs).toISOString().slice(0, 10);
        createdMs = publishMs + 3_600_000 + int(c.defectRng, 9 * 3600) * 1000;
      }
      return plain(
        { ...r, publishDate, createdAt: new Date(createdMs).toISOString(), updatedAt: new Date(Math.max(createdMs, updatedMs)).toISOString() },
        'STALE',
      );
    }
    case 'WITHIN_DUPLICATE': {
      const own = c.groupOriginal.get(spec.group);
      const original = own ?? c.lastClean.get(c.dept);
      if (original === undefined) return null;
      // One original per group: a department's latest entry already copied for another group waits for the next.
      if (own === undefined && [...c.groupOriginal.values()].includes(original)) return null;
      const stem = original.name.lastIndexOf('信息');
      let name = original.name;
      if (spec.naming === 'NEAR') {
        // 基本 inserted before the final 信息: a second compiler's wording of the same subject. Only for
        // names whose subject is long enough that the two stay clearly above the similarity threshold.
        const near = `${original.name.slice(0, stem)}基本${original.name.slice(stem)}`;
        const sim = sameResourceSimilarity(original, { name: near, providerName: original.providerName });
        if (c.names.used.has(near) || sim === null || sim < NAME_SIMILARITY_THRESHOLD + 0.02) return null;
        name = c.names.take(near);
      }
      c.groupOriginal.set(spec.group, original);
      const resourceCode = `${original.classification}/${r.resourceCode.split('/')[1]}`;
      // The second form lists the same items, one fewer or one more as its compiler saw them.
      const items = original.dataItems.map((d) => ({ ...d }));
      if (items.length > 4) items.pop();
      else {
        const extra = ['数据来源单位', '数据更新时间', '备注说明'].find((n) => !items.some((d) => d.name === n));
        if (extra !== undefined) items.push(itemOf(extra));
      }
      const record: CatalogueEntryRecord = {
        ...original,
        id: formatEntryId(r.divisionCode, resourceCode),
        resourceCode,
        name,
        dataItems: items,
        abstract: abstractOf(original.providerName, name, items, original.updateCycle, '跨部门业务协同'),
        relatedCodes: [],
      };
      return { record, log: { kind: 'WITHIN_DUPLICATE', id: record.id, originalId: original.id, naming: spec.naming } };
    }
    case 'JOINT': {
      const joint = JOINT_RESOURCES.find((j) => j.key === spec.key) as JointResource;
      const dept = c.departments.find((d) => d.key === joint.department && d.place === null);
      const name = joint.names[r.divisionCode.slice(0, 2)];
      if (dept === undefined || name === undefined || c.names.used.has(name)) return null;
      c.names.take(name);
      const classification = `3${dept.item}${pad(dept.templates.length + 1 + JOINT_RESOURCES.indexOf(joint), 3)}`;
      const resourceCode = `${classification}/${r.resourceCode.split('/')[1]}`;
      const items = joint.items.map(itemOf);
      const createdMs = Date.parse(r.createdAt);
      const record: CatalogueEntryRecord = {
        ...r,
        id: formatEntryId(r.divisionCode, resourceCode),
        resourceCode,
        classification,
        name,
        providerName: dept.name,
        providerCode: dept.uscc,
        providerDivisionCode: dept.divisionCode,
        dataItems: items,
        abstract: abstractOf(dept.name, name, items, 'MONTHLY', '川渝通办和跨省通办业务核验'),
        grade: 'GENERAL',
        sharingType: 'UNCONDITIONAL',
        sharingCondition: null,
        openType: 'NOT_OPEN',
        updateCycle: 'MONTHLY',
        relatedCodes: [],
        updatedAt: new Date(Math.max(createdMs, c.end - 20 * DAY_MS)).toISOString(),
      };
      return { record, log: { kind: 'JOINT', id: record.id, key: joint.key } };
    }
  }
}
